import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  hasRecvPart,
  hasSendPart,
  isBidi,
  isLocal,
  streamDir,
  streamId,
  streamIndex,
  streamInitiator,
  streamType,
  type Role,
  type StreamDir,
} from '../../../src/streams/stream-id.js';

describe('RFC 9000 §2.1: stream identifiers', () => {
  it('RFC 9000 §2.1: Table 1 stream ID types 0x00..0x03', () => {
    expect(streamId(0, 'client', 'bidi')).toBe(0);
    expect(streamId(0, 'server', 'bidi')).toBe(1);
    expect(streamId(0, 'client', 'uni')).toBe(2);
    expect(streamId(0, 'server', 'uni')).toBe(3);
    expect(streamId(5, 'server', 'uni')).toBe(23);
    expect(streamType(23)).toBe(3);
    expect(streamInitiator(4)).toBe('client');
    expect(streamInitiator(5)).toBe('server');
    expect(streamDir(6)).toBe('uni');
    expect(isBidi(4)).toBe(true);
  });

  it('RFC 9000 §2.1: index, initiator and direction round-trip up to 2^62 - 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), fc.constantFrom<Role>('client', 'server'), fc.constantFrom<StreamDir>('bidi', 'uni'), (index, role, dir) => {
        const id = streamId(index, role, dir);
        expect(streamIndex(id)).toBe(index);
        expect(streamInitiator(id)).toBe(role);
        expect(streamDir(id)).toBe(dir);
      }),
    );
    // Beyond 32 bits the helpers must not use bitwise operators.
    const big = streamId(2 ** 40 + 1, 'server', 'uni');
    expect(streamIndex(big)).toBe(2 ** 40 + 1);
    expect(streamInitiator(big)).toBe('server');
    expect(streamDir(big)).toBe('uni');
  });

  it('RFC 9000 §2.1: unidirectional streams send only from the initiator', () => {
    expect(hasSendPart(2, 'client')).toBe(true);
    expect(hasRecvPart(2, 'client')).toBe(false);
    expect(hasSendPart(2, 'server')).toBe(false);
    expect(hasRecvPart(2, 'server')).toBe(true);
    expect(hasSendPart(1, 'client') && hasRecvPart(1, 'client')).toBe(true);
    expect(isLocal(1, 'server')).toBe(true);
    expect(isLocal(1, 'client')).toBe(false);
  });
});
