/**
 * A fake stream source for scheduler tests: each stream has a number of bytes left and a blocked
 * flag; a frame is a 3-byte header plus data, as large as the room allows. Every frame is logged.
 */
import type { StreamFrameSource } from '../../../src/scheduler/stream-scheduler.js';
import type { Writer } from '../../../src/util/bytes.js';

/** Frame header overhead of the fake. */
export const HEADER = 3;

/** One frame written. */
export interface LoggedFrame {
  readonly packet: number;
  readonly id: number;
  readonly data: number;
}

/** A fake StreamFrameSource. */
export class FakeSource implements StreamFrameSource {
  readonly remaining = new Map<number, number>();
  readonly blocked = new Set<number>();
  readonly log: LoggedFrame[] = [];
  packet = 0;

  writeStreamFrame(id: number, w: Writer, maxBytes: number): number | undefined {
    const left = this.remaining.get(id) ?? 0;
    if (left === 0 || this.blocked.has(id)) return undefined;
    const room = Math.min(maxBytes, w.remaining);
    if (room <= HEADER) return undefined;
    const data = Math.min(left, room - HEADER);
    w.u8(id & 0xff).u16(data).zeros(data);
    this.remaining.set(id, left - data);
    this.log.push({ packet: this.packet, id, data });
    return HEADER + data;
  }

  hasPendingFrames(id: number): boolean {
    return (this.remaining.get(id) ?? 0) > 0 && !this.blocked.has(id);
  }

  /** Data bytes each stream sent so far. */
  sentBy(id: number): number {
    let n = 0;
    for (const f of this.log) if (f.id === id) n += f.data;
    return n;
  }
}
