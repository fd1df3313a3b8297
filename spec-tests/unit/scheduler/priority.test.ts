import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidPriorityError,
  isValidPriority,
  MAX_PRIORITY,
  MIN_PRIORITY,
  priorityFromUrgency,
  StreamPriority,
  validatePriority,
} from '../../../src/scheduler/priority.js';

describe('DESIGN §7: StreamPriority', () => {
  it('DESIGN §7: the named levels are the seed\'s CRITICAL 255, HIGH 192, NORMAL 128, LOW 64, BACKGROUND 0', () => {
    expect(StreamPriority).toEqual({ CRITICAL: 255, HIGH: 192, NORMAL: 128, LOW: 64, BACKGROUND: 0 });
    expect([MIN_PRIORITY, MAX_PRIORITY]).toEqual([0, 255]);
  });

  it('DESIGN §7: every integer 0..255 is a valid priority', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), (p) => {
        expect(isValidPriority(p)).toBe(true);
        expect(validatePriority(p)).toBe(p);
      }),
    );
  });

  it('DESIGN §7: anything but an integer 0..255 is rejected with InvalidPriorityError, a RangeError', () => {
    for (const bad of [-1, 256, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -0.5, 1e9, '1', null, undefined, 128n]) {
      expect(isValidPriority(bad)).toBe(false);
      let caught: unknown;
      try {
        validatePriority(bad);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(InvalidPriorityError);
      expect(caught).toBeInstanceOf(RangeError);
      expect((caught as InvalidPriorityError).code).toBe('ERR_QUIC_INVALID_PRIORITY');
      expect((caught as InvalidPriorityError).value).toBe(bad);
    }
  });

  it('DESIGN §7: random non-priorities are rejected', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 256 }), fc.integer({ max: -1 }), fc.double().filter((d) => !Number.isInteger(d))), (p) => {
        expect(() => validatePriority(p)).toThrow(InvalidPriorityError);
      }),
    );
  });
});

describe('RFC 9218 §4.1: urgency mapping', () => {
  it('RFC 9218 §4.1: the default urgency 3 is NORMAL, 7 is BACKGROUND, 5 is LOW, 0 is the highest', () => {
    expect(priorityFromUrgency(3)).toBe(StreamPriority.NORMAL);
    expect(priorityFromUrgency(7)).toBe(StreamPriority.BACKGROUND);
    expect(priorityFromUrgency(5)).toBe(StreamPriority.LOW);
    expect(priorityFromUrgency(1)).toBe(StreamPriority.HIGH);
    expect(priorityFromUrgency(0)).toBe(224);
  });

  it('RFC 9218 §4.1: lower urgency maps to strictly higher priority', () => {
    for (let u = 0; u < 7; u++) expect(priorityFromUrgency(u)).toBeGreaterThan(priorityFromUrgency(u + 1));
  });

  it('RFC 9218 §4.1: urgencies outside 0..7 are rejected', () => {
    for (const bad of [-1, 8, 2.5, Number.NaN]) expect(() => priorityFromUrgency(bad)).toThrow(InvalidPriorityError);
  });
});
