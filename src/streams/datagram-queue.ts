/**
 * DATAGRAM queues (RFC 9221): a bounded outgoing queue with a drop policy, and a bounded incoming
 * queue. Datagrams are never retransmitted (RFC 9221 §5.2: "DATAGRAM frames are not retransmitted
 * upon loss detection"); each sent one yields a token, and ack / loss is reported back by id for
 * the application. RFC 9221 §5.3: DATAGRAM frames "MAY be dropped
 * by the receiver if the receiver cannot process them", and §5.4 lets a sender drop a frame
 * instead of delaying it: both queues are bounded by count and bytes and count what they drop.
 *
 * RFC 9221 §5: "DATAGRAM frames cannot be fragmented; therefore, application protocols need to
 * handle cases where the maximum datagram size is limited by other factors", and §3: the frame
 * must fit in a single packet. The send queue therefore also knows the largest frame the current
 * path carries (`pathMaxFrameSize`, kept by the connection from the path MTU): `push` refuses a
 * larger datagram, and a queued datagram that no longer fits after the path MTU shrank is dropped
 * (counted in `dropped`) instead of blocking the queue's head forever.
 */
import type { Writer } from '../util/bytes.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { datagramFrameHeaderSize, FrameType } from '../wire/frame-types.js';
import { encodeDatagramFrameHeader } from '../wire/frames.js';
import type { DatagramToken } from './tokens.js';

/** What a full queue drops: the oldest queued datagram, or the one being added. */
export type DatagramDropPolicy = 'drop-oldest' | 'drop-newest';

/** Why `DatagramSendQueue.push` refused a datagram. */
export class DatagramError extends Error {
  override readonly name = 'DatagramError';
  /** 'ERR_QUIC_DATAGRAM_UNSUPPORTED': the peer's max_datagram_frame_size is 0; 'ERR_QUIC_DATAGRAM_TOO_LARGE': the frame would exceed it. */
  readonly code: 'ERR_QUIC_DATAGRAM_UNSUPPORTED' | 'ERR_QUIC_DATAGRAM_TOO_LARGE';
  constructor(code: DatagramError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** Bounds of a datagram queue. */
export interface DatagramQueueLimits {
  /** Most datagrams held. */
  readonly maxCount: number;
  /** Most payload bytes held. */
  readonly maxBytes: number;
}

interface Queued {
  readonly id: number;
  readonly data: Uint8Array;
}

/** Outgoing datagrams waiting for a packet (RFC 9221 §5). */
export class DatagramSendQueue {
  /** The peer's max_datagram_frame_size transport parameter (0: no datagrams, RFC 9221 §3). */
  peerMaxFrameSize: number;
  /**
   * Largest DATAGRAM frame (type, Length and payload) one packet on the current path carries; the
   * connection updates it from the path MTU. Infinity until set.
   */
  pathMaxFrameSize = Number.POSITIVE_INFINITY;
  /** Datagrams dropped: the queue was full, or a queued one no longer fit the path. */
  dropped = 0;
  /** Datagrams written into packets. */
  sent = 0;
  /** Sent datagrams whose packet was acknowledged. */
  acked = 0;
  /** Sent datagrams whose packet was declared lost (RFC 9221 §5.2: not retransmitted). */
  lost = 0;
  private readonly limits: DatagramQueueLimits;
  private readonly policy: DatagramDropPolicy;
  private queue: Queued[] = [];
  private head = 0;
  private bytes = 0;
  private nextId = 0;

  constructor(peerMaxFrameSize: number, limits: DatagramQueueLimits, policy: DatagramDropPolicy = 'drop-oldest') {
    this.peerMaxFrameSize = peerMaxFrameSize;
    this.limits = limits;
    this.policy = policy;
  }

  /** Datagrams queued. */
  get length(): number {
    return this.queue.length - this.head;
  }

  /** Payload bytes queued. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /**
   * Queues a copy of `data`; returns its id, or undefined if the drop-newest policy dropped it.
   * @throws DatagramError if the peer does not accept datagrams or the frame would be too large.
   */
  push(data: Uint8Array): number | undefined {
    // RFC 9221 §3: "An endpoint MUST NOT send DATAGRAM frames until it has received the
    // max_datagram_frame_size transport parameter with a non-zero value".
    if (this.peerMaxFrameSize === 0) throw new DatagramError('ERR_QUIC_DATAGRAM_UNSUPPORTED', 'the peer does not accept DATAGRAM frames');
    // RFC 9221 §3: "An endpoint MUST NOT send DATAGRAM frames that are larger than the
    // max_datagram_frame_size value it has received from its peer." (Checked for the 0x31 form.)
    const frameSize = datagramFrameHeaderSize(data.length, true) + data.length;
    if (frameSize > this.peerMaxFrameSize) {
      throw new DatagramError('ERR_QUIC_DATAGRAM_TOO_LARGE', `DATAGRAM frame of ${frameSize} bytes exceeds the peer's max_datagram_frame_size ${this.peerMaxFrameSize}`);
    }
    // RFC 9221 §5: a DATAGRAM frame cannot be fragmented: it must fit in one packet on the path.
    if (frameSize > this.pathMaxFrameSize) {
      throw new DatagramError('ERR_QUIC_DATAGRAM_TOO_LARGE', `DATAGRAM frame of ${frameSize} bytes does not fit in a packet on the current path (at most ${this.pathMaxFrameSize})`);
    }
    if (data.length > this.limits.maxBytes || this.limits.maxCount < 1) {
      this.dropped++;
      return undefined;
    }
    while (this.length >= this.limits.maxCount || this.bytes + data.length > this.limits.maxBytes) {
      if (this.policy === 'drop-newest') {
        this.dropped++;
        return undefined;
      }
      this.shift();
      this.dropped++;
    }
    const id = this.nextId++;
    this.queue.push({ id, data: data.slice() });
    this.bytes += data.length;
    return id;
  }

  /**
   * Writes the oldest queued datagram as a DATAGRAM frame with a Length field (RFC 9221 §4) if it
   * fits in `maxBytes` / `w`; returns its token. A datagram that does not fit here stays queued (it
   * fits in an emptier packet); one larger than `pathMaxFrameSize` (the path MTU shrank since it was
   * queued) can never be sent and is dropped first (RFC 9221 §5: "...the maximum datagram size is
   * limited by other factors"), so it cannot block the datagrams behind it.
   */
  writeFrame(w: Writer, maxBytes: number = w.remaining): DatagramToken | undefined {
    this.dropOversized();
    const next = this.queue[this.head];
    if (next === undefined) return undefined;
    const size = datagramFrameHeaderSize(next.data.length, true) + next.data.length;
    if (size > Math.min(maxBytes, w.remaining)) return undefined;
    encodeDatagramFrameHeader(w, next.data.length, true).bytes(next.data);
    this.shift();
    this.sent++;
    return { kind: 'datagram', id: next.id };
  }

  /** Drops queued datagrams whose frame exceeds `pathMaxFrameSize` (counted in `dropped`); returns how many. */
  dropOversized(): number {
    if (this.pathMaxFrameSize === Number.POSITIVE_INFINITY || this.length === 0) return 0;
    const kept: Queued[] = [];
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) {
      const q = this.queue[i]!;
      if (datagramFrameHeaderSize(q.data.length, true) + q.data.length <= this.pathMaxFrameSize) {
        kept.push(q);
      } else {
        n++;
        this.bytes -= q.data.length;
      }
    }
    if (n === 0) return 0;
    this.queue = kept;
    this.head = 0;
    this.dropped += n;
    return n;
  }

  /** The packet carrying the datagram was acknowledged: returns its id for the application. */
  onAcked(token: DatagramToken): number {
    this.acked++;
    return token.id;
  }

  /** The packet carrying the datagram was lost; it is not retransmitted: returns its id. */
  onLost(token: DatagramToken): number {
    this.lost++;
    return token.id;
  }

  private shift(): void {
    const q = this.queue[this.head];
    if (q === undefined) return;
    this.bytes -= q.data.length;
    this.head++;
    if (this.head > 32 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

/** Received datagrams waiting for the application (RFC 9221 §5: a receiver may drop them). */
export class DatagramRecvQueue {
  /** Our max_datagram_frame_size transport parameter (0: we do not accept datagrams). */
  readonly maxFrameSize: number;
  /** Datagrams dropped because the application did not keep up (the oldest are dropped). */
  dropped = 0;
  /** DATAGRAM frames received (dropped ones included). */
  received = 0;
  private readonly limits: DatagramQueueLimits;
  private queue: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;

  constructor(maxFrameSize: number, limits: DatagramQueueLimits) {
    this.maxFrameSize = maxFrameSize;
    this.limits = limits;
  }

  /** Datagrams queued. */
  get length(): number {
    return this.queue.length - this.head;
  }

  /** Payload bytes queued. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /**
   * Takes a received DATAGRAM frame: `data` (a view into the packet, copied here) and the frame's
   * encoded size.
   * @throws TransportError PROTOCOL_VIOLATION when we did not advertise support or the frame is
   *   larger than we advertised.
   */
  onDatagram(data: Uint8Array, frameSize: number): void {
    const type = FrameType.DatagramWithLength;
    // RFC 9221 §3: "An endpoint that receives a DATAGRAM frame when it has not indicated support
    // via the transport parameter MUST terminate the connection with an error of type PROTOCOL_VIOLATION."
    if (this.maxFrameSize === 0) throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, type, 'DATAGRAM received but not advertised');
    // RFC 9221 §3: "an endpoint that receives a DATAGRAM frame that is larger than the value it
    // sent in its max_datagram_frame_size transport parameter MUST terminate the connection with
    // an error of type PROTOCOL_VIOLATION."
    if (frameSize > this.maxFrameSize) {
      throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, type, `DATAGRAM frame of ${frameSize} bytes exceeds max_datagram_frame_size ${this.maxFrameSize}`);
    }
    this.received++;
    if (data.length > this.limits.maxBytes || this.limits.maxCount < 1) {
      this.dropped++;
      return;
    }
    while (this.length >= this.limits.maxCount || this.bytes + data.length > this.limits.maxBytes) {
      this.pop();
      this.dropped++;
    }
    this.queue.push(data.slice());
    this.bytes += data.length;
  }

  /** The oldest received datagram, or undefined. */
  pop(): Uint8Array | undefined {
    const d = this.queue[this.head];
    if (d === undefined) return undefined;
    this.bytes -= d.length;
    this.head++;
    if (this.head > 32 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return d;
  }
}
