/**
 * The crypto providers every vector and property test runs against (DESIGN §6.2: "for every
 * crypto provider"). Use with `describe.each(REAL_PROVIDERS)`.
 */
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { nobleCryptoProvider } from '../../src/crypto/noble-provider.js';

/** The providers that really encrypt: each RFC vector must pass with every one of them. */
export const REAL_PROVIDERS: { name: string; provider: CryptoProvider }[] = [
  { name: 'node', provider: nodeCryptoProvider },
  { name: 'noble', provider: nobleCryptoProvider },
];
