/** Shared fixtures for the certificate tests: a fixed wall clock and seeded generators. */
import { generateSelfSignedCertificate, type GeneratedCertificate, type SelfSignedCertificateOptions } from '../../../../src/tls/certificates/self-signed.js';
import { SeededRandom } from '../../../../src/util/random.js';

/** 2026-01-01T00:00:00Z, the injected wall clock of these tests. */
export const NOW = Date.UTC(2026, 0, 1);
/** One day in ms. */
export const DAY = 86_400_000;

/** A generated certificate with a seeded random source (seed printed in failures via the name). */
export function generate(seed: number, options: Partial<SelfSignedCertificateOptions> = {}): GeneratedCertificate {
  return generateSelfSignedCertificate({ commonName: `test-${seed}`, nowMs: NOW, random: new SeededRandom(seed), ...options });
}
