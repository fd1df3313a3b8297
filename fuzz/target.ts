/**
 * The shape of a fuzz target (DESIGN §6): one per decoder. `run` feeds arbitrary bytes to the
 * decoder; it may throw `CodecError` (the input was malformed) and nothing else, and it must
 * return promptly. `seeds` gives valid encodings to start mutating from; `npm run fuzz:corpus`
 * writes them to fuzz/corpus/<name>/, which is committed.
 */
export interface FuzzTarget {
  /** Folder name under fuzz/corpus/ and the name printed by the runner. */
  readonly name: string;
  /** Decodes `input`; may only throw CodecError. */
  run(input: Uint8Array): void;
  /** Valid inputs to seed the corpus with (deterministic). */
  seeds(): Uint8Array[];
}
