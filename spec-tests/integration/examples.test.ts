import { describe, expect, it } from 'vitest';
import { main as echoClient } from '../../examples/echo-client.js';
import { main as echoServer } from '../../examples/echo-server.js';
import { main as demo } from '../../examples/multistream-demo.js';
import { main as prioritized } from '../../examples/prioritized-streams.js';
import { within } from './helpers.js';

describe('DESIGN §7: the examples run in-process', () => {
  it('DESIGN §7: echo-server and echo-client echo a message (port 0, pinned certificate)', async () => {
    const server = await echoServer(0, '127.0.0.1');
    try {
      const hash = Buffer.from(server.certificate.sha256!).toString('hex');
      expect(await within(echoClient(server.address.port, hash, 'hello example'), 10_000, 'echo client')).toBe('hello example');
    } finally {
      await server.close();
    }
  });

  it('DESIGN §7 StreamPriority: prioritized-streams finishes CRITICAL before BACKGROUND', async () => {
    const order = await within(prioritized(256 * 1024), 20_000, 'prioritized');
    expect([...order].sort()).toEqual(['BACKGROUND', 'CRITICAL', 'HIGH', 'LOW', 'NORMAL']);
    expect(order.indexOf('CRITICAL')).toBeLessThan(order.indexOf('BACKGROUND'));
  });

  it('DESIGN §7: the npm start demo completes 20 prioritized streams and echoes datagrams', async () => {
    const lines: string[] = [];
    const r = await within(demo({ log: (l) => lines.push(l) }), 20_000, 'demo');
    expect(r.completionOrder).toHaveLength(20);
    expect(r.completionOrder.indexOf('CRITICAL')).toBeLessThan(r.completionOrder.lastIndexOf('BACKGROUND'));
    expect(r.client.streamsOpened).toBe(20);
    expect(r.client.datagramsSent).toBe(20);
    expect(lines.join('\n')).toContain('client connection stats');
  });
});
