/**
 * Congestion control (RFC 9002 §7; RFC 9438 CUBIC; draft-ietf-tcpm-hystartplusplus-04): the
 * controller interface, NewReno, CUBIC with HyStart++, the pacer, and a factory.
 */
import type { CongestionControlAlgorithm, CongestionController } from './controller.js';
import { Cubic } from './cubic.js';
import type { CubicConfig } from './cubic.js';
import { NewReno } from './new-reno.js';

export type {
  CongestionConfig,
  CongestionControlAlgorithm,
  CongestionController,
  CongestionPacket,
  RttSample,
} from './controller.js';
export { Cubic, CUBIC_ALPHA, CUBIC_BETA, CUBIC_C, cubicK, wCubic } from './cubic.js';
export type { CubicConfig } from './cubic.js';
export { HYSTART, HyStartPhase, HyStartPlusPlus } from './hystart.js';
export { NewReno } from './new-reno.js';
export type { NewRenoConfig } from './new-reno.js';
export { Pacer } from './pacer.js';
export type { PacerConfig } from './pacer.js';
export { kInitialWindow, kLossReductionFactor, kMinimumWindow, kPacingGain, pacingRateFor } from './window.js';

/**
 * Options for {@link createCongestionController}: the shared CongestionConfig plus `hystart`
 * (CUBIC default on, NewReno default off) and `fastConvergence` (CUBIC only, default on).
 */
export type CongestionControllerOptions = CubicConfig;

/** Builds the controller for `algorithm` (CUBIC with HyStart++ is the stack's default). */
export function createCongestionController(
  algorithm: CongestionControlAlgorithm,
  config: CongestionControllerOptions,
): CongestionController {
  switch (algorithm) {
    case 'newreno':
      return new NewReno(config);
    case 'cubic':
      return new Cubic(config);
    default: {
      const unreachable: never = algorithm;
      throw new Error(`unknown congestion control algorithm ${String(unreachable)}`);
    }
  }
}
