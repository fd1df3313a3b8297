/**
 * Vitest configuration of the browser peer tests (`npm run test:browser`): the `*.peer.ts` files
 * need a third-party WebTransport server (qgo-wt) that `npm test` does not provide yet, so the
 * default configuration (`*.test.ts`) does not pick them up.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: resolve(import.meta.dirname, '../..'),
  test: {
    include: ['spec-tests/browser/**/*.peer.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    allowOnly: false,
  },
});
