import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuicError } from '../../../src/api-common/errors.js';
import { StreamPriority } from '../../../src/scheduler/priority.js';
import {
  checkCloseArguments,
  closeInfoFromSessionError,
  closeInfoFromWebTransport,
  handshakeErrorFrom,
  priorityToSendOrder,
  statsFromWebTransport,
  streamErrorFrom,
  toCertificateHash,
} from '../../../src/web/mapping.js';

const counters = { streamsOpened: 2, streamsAccepted: 1, datagramsSent: 3, datagramsReceived: 4, datagramsDropped: 1 };

describe('W3C WebTransport §5.3 sendOrder: priority mapping (DESIGN §7 StreamPriority)', () => {
  it('W3C WebTransport §5.3: a higher priority gets a higher sendOrder (sent first); equal stays equal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (a, b) => {
        expect(Math.sign(priorityToSendOrder(a) - priorityToSendOrder(b))).toBe(Math.sign(a - b));
      }),
    );
    expect(priorityToSendOrder(StreamPriority.CRITICAL)).toBe(255);
    expect(priorityToSendOrder(StreamPriority.BACKGROUND)).toBe(0);
  });

  it('DESIGN §7: priorities outside the integers 0..255 fail with ERR_QUIC_INVALID_ARGUMENT', () => {
    for (const p of [-1, 256, 1.5, Number.NaN]) expect(() => priorityToSendOrder(p)).toThrow(expect.objectContaining({ code: 'ERR_QUIC_INVALID_ARGUMENT' }));
  });
});

describe('draft-ietf-webtrans-overview-13 §4.1: session close info', () => {
  it('draft-ietf-webtrans-overview-13 §4.1: a clean close maps closeCode/reason to an application CloseInfo, local or peer', () => {
    expect(closeInfoFromWebTransport({ closeCode: 7, reason: 'x' }, true)).toEqual({ initiator: 'local', code: 7, reason: 'x', errorSpace: 'application', handshakeCompleted: true });
    expect(closeInfoFromWebTransport({}, false)).toEqual({ initiator: 'peer', code: 0, reason: '', errorSpace: 'application', handshakeCompleted: true });
    expect(closeInfoFromWebTransport(undefined, false).code).toBe(0);
  });

  it('draft-ietf-webtrans-overview-13 §4.1: an abrupt end is a transport close by the peer carrying the browser message', () => {
    expect(closeInfoFromSessionError(new Error('Connection lost.'), true)).toEqual({ initiator: 'peer', code: 0, reason: 'Connection lost.', errorSpace: 'transport', handshakeCompleted: true });
  });

  it('W3C WebTransport §5.10: close codes are 32-bit and reasons at most 1024 bytes', () => {
    expect(() => checkCloseArguments(0xffff_ffff, 'a'.repeat(1024))).not.toThrow();
    expect(() => checkCloseArguments(2 ** 32, '')).toThrow(QuicError);
    expect(() => checkCloseArguments(-1, '')).toThrow(QuicError);
    expect(() => checkCloseArguments(0, 'é'.repeat(513))).toThrow(expect.objectContaining({ code: 'ERR_QUIC_INVALID_ARGUMENT' }));
  });
});

describe('W3C WebTransport §7 WebTransportError: stream and session errors', () => {
  const streamErr = (code: number | null) => ({ name: 'WebTransportError', message: 'm', source: 'stream', streamErrorCode: code });

  it('RFC 9000 §3.2: a stream error on a read is the peer reset: ERR_QUIC_STREAM_RESET with the code', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (code) => {
        const e = streamErrorFrom(streamErr(code), 'read', 4, undefined);
        expect(e).toBeInstanceOf(QuicError);
        expect(e).toMatchObject({ code: 'ERR_QUIC_STREAM_RESET', wireCode: code, initiator: 'peer' });
      }),
    );
    expect(streamErrorFrom(streamErr(null), 'read', 4, undefined)).toMatchObject({ code: 'ERR_QUIC_STREAM_RESET', wireCode: 0 });
  });

  it('RFC 9000 §3.5: a stream error on a write is the peer STOP_SENDING: ERR_QUIC_STREAM_STOPPED with the code', () => {
    expect(streamErrorFrom(streamErr(9), 'write', 0, undefined)).toMatchObject({ code: 'ERR_QUIC_STREAM_STOPPED', wireCode: 9, initiator: 'peer' });
  });

  it('DESIGN §5: other failures are the session close error once closed, else ERR_QUIC_INVALID_STATE', () => {
    const closed = new QuicError('ERR_QUIC_CONNECTION_CLOSED', 'closed', { wireCode: 1 });
    expect(streamErrorFrom({ name: 'WebTransportError', source: 'session', message: 'gone' }, 'read', 0, closed)).toBe(closed);
    expect(streamErrorFrom(new TypeError('locked'), 'write', 0, undefined)).toMatchObject({ code: 'ERR_QUIC_INVALID_STATE' });
    expect(streamErrorFrom(closed, 'write', 0, undefined)).toBe(closed);
  });

  it('DESIGN §5: a refused session is ERR_QUIC_HANDSHAKE with the browser message', () => {
    expect(handshakeErrorFrom(new Error('Opening handshake failed.'), 'https://127.0.0.1:1/')).toMatchObject({ code: 'ERR_QUIC_HANDSHAKE', reason: 'Opening handshake failed.', initiator: 'peer' });
  });
});

describe('W3C WebTransport §6.12 getStats: connection stats (DESIGN §7 ConnectionStats)', () => {
  it('W3C WebTransport §6.12: counters map by name, RTTs from milliseconds to microseconds', () => {
    const s = statsFromWebTransport({ bytesSent: 10, bytesReceived: 20, packetsSent: 3, packetsReceived: 4, packetsLost: 1, bytesLost: 5, smoothedRtt: 1.5, minRtt: 0.25, rttVariation: 0.5, estimatedSendRate: 1e6, datagrams: { droppedIncoming: 2 } }, counters);
    expect(s).toEqual({ transportStats: true, bytesSent: 10, bytesReceived: 20, packetsSent: 3, packetsReceived: 4, lostPackets: 1, bytesLost: 5, rtt: 1500, minRtt: 250, rttVariation: 500, estimatedSendRate: 1e6, streamsOpened: 2, streamsAccepted: 1, datagramsSent: 3, datagramsReceived: 4, datagramsDropped: 3 });
  });

  it('W3C WebTransport §6.12: without getStats the transport counters are 0 and transportStats is false', () => {
    const s = statsFromWebTransport(undefined, counters);
    expect(s).toMatchObject({ transportStats: false, bytesSent: 0, packetsReceived: 0, rtt: 0, estimatedSendRate: undefined, streamsOpened: 2, datagramsDropped: 1 });
  });
});

describe('W3C WebTransport §6.6 serverCertificateHashes', () => {
  it('W3C WebTransport §6.6: bytes, hex and base64 forms give the same sha-256 hash; other lengths fail', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (h) => {
        const hex = Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('');
        const b64 = btoa(String.fromCharCode(...h));
        for (const input of [h, h.buffer.slice(0), hex, hex.toUpperCase().replace(/(..)(?!$)/g, '$1:'), b64]) expect(toCertificateHash(input)).toEqual({ algorithm: 'sha-256', value: h });
      }),
    );
    expect(() => toCertificateHash(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'ERR_QUIC_INVALID_ARGUMENT' }));
    expect(() => toCertificateHash('not base64 !!')).toThrow(expect.objectContaining({ code: 'ERR_QUIC_INVALID_ARGUMENT' }));
  });
});
