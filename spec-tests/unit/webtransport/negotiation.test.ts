import { describe, expect, it } from 'vitest';
import { H3SettingId, interpretSettings, type Setting } from '../../../src/h3/frames.js';
import { WebTransportDraft, WtSetting } from '../../../src/webtransport/constants.js';
import { chooseClientDraft, connectRequestHeaders, decideConnect, peerDrafts, webTransportSettings, type ConnectRequestInfo } from '../../../src/webtransport/negotiation.js';

const base: Setting[] = [{ id: H3SettingId.ENABLE_CONNECT_PROTOCOL, value: 1 }, { id: H3SettingId.H3_DATAGRAM, value: 1 }];
const chromium: Setting[] = [{ id: H3SettingId.H3_DATAGRAM, value: 1 }, { id: 0xffd277, value: 1 }, { id: WtSetting.ENABLE_WEBTRANSPORT_DRAFT02, value: 1 }];

function req(over: Partial<ConnectRequestInfo> = {}): ConnectRequestInfo {
  return { method: 'CONNECT', protocol: 'webtransport-h3', scheme: 'https', authority: '127.0.0.1:4433', path: '/echo', headers: {}, ...over };
}

describe('draft-ietf-webtrans-http3-16 §3.1, §7.1: version negotiation by SETTINGS', () => {
  it('draft-16 §7.1, §5.1: we send one enable setting per version and no flow-control setting (flow control is never enabled)', () => {
    const ids = webTransportSettings().map((s) => s.id);
    expect(ids).toEqual([WtSetting.ENABLE_WEBTRANSPORT_DRAFT02, WtSetting.WT_ENABLED_DRAFT16]);
    for (const id of [WtSetting.WT_INITIAL_MAX_STREAMS_BIDI, WtSetting.WT_INITIAL_MAX_STREAMS_UNI, WtSetting.WT_INITIAL_MAX_DATA]) expect(ids).not.toContain(id);
    expect(webTransportSettings([WebTransportDraft.DRAFT02])).toEqual([{ id: 0x2b603742, value: 1 }]);
  });

  it('draft-16 §7.1: "The highest version supported by both endpoints is selected"', () => {
    const both = interpretSettings([...base, ...webTransportSettings()]);
    expect(peerDrafts(both)).toEqual(['draft16', 'draft02']);
    expect(chooseClientDraft(both)).toBe('draft16');
    expect(chooseClientDraft(both, ['draft02'])).toBe('draft02');
    expect(chooseClientDraft(interpretSettings([...base, { id: WtSetting.ENABLE_WEBTRANSPORT_DRAFT02, value: 1 }]))).toBe('draft02');
  });

  it('draft-16 §3.1: "A client MUST NOT establish WebTransport sessions if the server\'s SETTINGS do not have correct values"', () => {
    expect(chooseClientDraft(interpretSettings(base))).toBeUndefined();
    expect(chooseClientDraft(interpretSettings([{ id: H3SettingId.H3_DATAGRAM, value: 1 }, ...webTransportSettings()]))).toBeUndefined();
    expect(chooseClientDraft(interpretSettings([{ id: H3SettingId.ENABLE_CONNECT_PROTOCOL, value: 1 }, ...webTransportSettings()]))).toBeUndefined();
  });

  it('draft-02: Chromium 156\'s SETTINGS enable draft-02 only', () => {
    expect(peerDrafts(interpretSettings(chromium))).toEqual(['draft02']);
  });
});

describe('draft-ietf-webtrans-http3-16 §3.2: the server\'s decision on an extended CONNECT', () => {
  it('draft-16 §3.2: :protocol webtransport-h3 is draft-16; draft-02\'s webtransport with its header is draft-02 and answered with sec-webtransport-http3-draft', () => {
    expect(decideConnect(req())).toEqual({ kind: 'accept', draft: 'draft16', origin: undefined, responseHeaders: {} });
    const d = decideConnect(req({ protocol: 'webtransport', headers: { 'sec-webtransport-http3-draft02': '1', origin: 'http://localhost:1' } }));
    expect(d).toEqual({ kind: 'accept', draft: 'draft02', origin: 'http://localhost:1', responseHeaders: { 'sec-webtransport-http3-draft': 'draft02' } });
  });

  it('draft-16 §3.2: other requests are not WebTransport', () => {
    expect(decideConnect(req({ protocol: 'connect-udp' }))).toEqual({ kind: 'not_webtransport' });
    expect(decideConnect(req({ method: 'GET', protocol: undefined }))).toEqual({ kind: 'not_webtransport' });
  });

  it('draft-16 §3.2: "If the target resource does not support WebTransport, the server SHOULD reply with status code 405"', () => {
    expect(decideConnect(req({ path: '/other?x=1' }), { paths: ['/echo'] })).toMatchObject({ kind: 'refuse', status: 405 });
    expect(decideConnect(req({ path: '/echo?x=1' }), { paths: ['/echo'] })).toMatchObject({ kind: 'accept' });
  });

  it('draft-16 §3.2: "the WebTransport server MUST verify the Origin header ... SHOULD reply with status code 403"', () => {
    const policy = { origin: (o: string) => o === 'https://good.example' };
    expect(decideConnect(req({ headers: { origin: 'https://evil.example' } }), policy)).toMatchObject({ kind: 'refuse', status: 403 });
    expect(decideConnect(req({ headers: { origin: 'https://good.example' } }), policy)).toMatchObject({ kind: 'accept', origin: 'https://good.example' });
    expect(decideConnect(req(), policy)).toMatchObject({ kind: 'accept', origin: undefined });
  });

  it('draft-16 §3.2: ":scheme MUST be https" and :authority / :path must be set; a version not offered is refused', () => {
    expect(decideConnect(req({ scheme: 'http' }))).toMatchObject({ kind: 'refuse', status: 400 });
    expect(decideConnect(req({ authority: '' }))).toMatchObject({ kind: 'refuse', status: 400 });
    expect(decideConnect(req(), { drafts: ['draft02'] })).toMatchObject({ kind: 'refuse', status: 400 });
    expect(decideConnect(req({ protocol: 'webtransport', headers: { 'sec-webtransport-http3-draft02': '7' } }))).toMatchObject({ kind: 'refuse', status: 400 });
  });

  it('draft-02: the client sends sec-webtransport-http3-draft02: 1 (and origin when given)', () => {
    expect(connectRequestHeaders('draft02', 'https://a')).toEqual({ 'sec-webtransport-http3-draft02': '1', origin: 'https://a' });
    expect(connectRequestHeaders('draft16')).toEqual({});
  });
});
