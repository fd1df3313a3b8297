import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/util/bytes.js';
import { echo, payload } from '../helpers/connection-pair.js';

describe('RFC 9000 §2-§4: streams over a connection pair', () => {
  it('RFC 9000 §2.1: a bidirectional stream echoes 100 KB', async () => {
    const data = payload(100_000);
    const { pair, received, echoed } = await echo({}, data, 'bidi');
    expect(bytesEqual(received, data)).toBe(true);
    expect(bytesEqual(echoed, data)).toBe(true);
    expect(pair.events.server.some((e) => e.type === 'stream_opened' && e.streamId === 0)).toBe(true);
  });

  it('RFC 9000 §4.1: 16 KB stream windows and a 32 KB connection window still carry 100 KB (MAX_STREAM_DATA / MAX_DATA flow)', async () => {
    const data = payload(100_000, 9);
    const limits = { initialMaxStreamData: 16_384, initialMaxData: 32_768 };
    const { echoed } = await echo({ clientLimits: limits, serverLimits: limits }, data, 'bidi');
    expect(bytesEqual(echoed, data)).toBe(true);
  });

  it('RFC 9000 §2.1: a small send buffer applies backpressure and stream_writable resumes the writer', async () => {
    const data = payload(60_000, 11);
    const limits = { sendBufferCapacity: 8_192 };
    const { echoed } = await echo({ clientLimits: limits, serverLimits: limits }, data, 'bidi');
    expect(bytesEqual(echoed, data)).toBe(true);
  });

  it('RFC 9000 §2.1: unidirectional streams carry data one way each', async () => {
    const data = payload(30_000, 13);
    const { pair, echoed } = await echo({}, data, 'uni');
    expect(bytesEqual(echoed, data)).toBe(true);
    // Client uni stream 2, server uni stream 3 (RFC 9000 §2.1 Table 1).
    expect(pair.events.server.some((e) => e.type === 'stream_opened' && e.streamId === 2)).toBe(true);
    expect(pair.events.client.some((e) => e.type === 'stream_opened' && e.streamId === 3)).toBe(true);
  });
});
