/**
 * Errors raised by the stateless codecs.
 *
 * DESIGN §4: a short or malformed input raises `CodecError`, never a `RangeError` from deep
 * inside. Everything that parses bytes from the network reports failure this way, so a caller
 * (the connection's receive path, a fuzz target) needs to catch exactly one class.
 */

/** A byte sequence could not be decoded, or a value could not be encoded in the space given. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  /**
   * @param message what was wrong, for humans.
   * @param offset the byte offset at which decoding failed, when known.
   */
  /** The byte offset at which decoding failed, when known. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}
