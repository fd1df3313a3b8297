/**
 * SSLKEYLOGFILE output (NSS key log format, as RFC 9001 §5 secrets are logged by other stacks):
 * the core emits one line per secret as a `key_log` event; the driver appends them to a file so
 * Wireshark can decrypt a capture. Never enable in production: the file holds traffic secrets.
 */
import { appendFileSync } from 'node:fs';

/** Appends key log lines to a file. */
export class KeyLogFile {
  /** The file path. */
  readonly path: string;
  /** Lines that could not be written (the file is best-effort, never fatal). */
  errors = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** Appends one line (a newline is added). Synchronous: a handful of lines per handshake. */
  write(line: string): void {
    try {
      appendFileSync(this.path, `${line}\n`);
    } catch {
      this.errors++;
    }
  }
}
