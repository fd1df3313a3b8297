/**
 * One helper the stream components share to put a control frame into the packet being built: a
 * frame is written whole or not at all (RFC 9000 §12.4: frames are not split across packets).
 */
import type { Writer } from '../util/bytes.js';
import { encodeFrame, sizeOfFrame, type Frame } from '../wire/frames.js';

/** Writes `frame` if it fits in `w` (and in `maxBytes`, when given); returns whether it did. */
export function writeFrameIfFits(w: Writer, frame: Frame, maxBytes: number = w.remaining): boolean {
  if (sizeOfFrame(frame) > Math.min(maxBytes, w.remaining)) return false;
  encodeFrame(w, frame);
  return true;
}
