import { describe, expect, it } from 'vitest';
import {
  checkDriftMessage,
  checkHello,
  helloMismatch,
  type Hello,
} from '../../src-shared/protocol/messages';

const sdm = { kind: 'sdm', shard: 0, state: [1, 2], weight: 0.5, cycle: 7 };
const ep = { kind: 'ep', entropy: [0.1, -0.2], timestamp: 1_700_000_000_000, load: 0.3 };
const hello: Hello = { kind: 'hello', version: 1, dimensions: 2, cycleMs: 1000 };

describe('drift messages', () => {
  it('accept well-formed frames', () => {
    expect(checkDriftMessage(sdm, 2)).toEqual({ ok: true, value: sdm });
    expect(checkDriftMessage(ep, 2)).toEqual({ ok: true, value: ep });
    const edge = { ...ep, entropy: [1, -1] };
    expect(checkDriftMessage(edge, 2)).toEqual({ ok: true, value: edge });
    expect(checkHello(hello)).toEqual({ ok: true, value: hello });
  });

  it.each([
    ['wrong dimension', { ...sdm, state: [1, 2, 3] }, 'state must have exactly 2 components'],
    ['NaN in the state', { ...sdm, state: [1, NaN] }, 'state.1 must be a finite number'],
    [
      'Infinity in the entropy',
      { ...ep, entropy: [Infinity, 0] },
      'entropy.0 must be a finite number',
    ],
    ['a negative state', { ...sdm, state: [1, -1] }, 'state must have no negative component'],
    ['a negative weight', { ...sdm, weight: -1 }, 'weight must not be negative'],
    ['an infinite weight', { ...sdm, weight: Infinity }, 'weight must be a finite number'],
    [
      'entropy outside the unit ball',
      { ...ep, entropy: [0.5, 1.5] },
      'entropy.1 must be at most 1',
    ],
    ['entropy below -1', { ...ep, entropy: [-1.01, 0] }, 'entropy.0 must be at least -1'],
    ['load above 1', { ...ep, load: 1.5 }, 'load must be at most 1'],
    ['a negative timestamp', { ...ep, timestamp: -5 }, 'timestamp must not be negative'],
    ['a fractional cycle', { ...sdm, cycle: 1.5 }, 'cycle'],
    ['another shard', { ...sdm, shard: 1 }, 'shard must be 0'],
    ['an extra field', { ...sdm, extra: 1 }, 'extra'],
    ['an unknown kind', { ...sdm, kind: 'xyz' }, 'kind must be "ep" or "sdm" (got "xyz")'],
    ['not an object', 42, 'kind must be "ep" or "sdm" (got nothing)'],
  ])('reject %s with a reason naming the field', (_what, frame, reason) => {
    const v = checkDriftMessage(frame, 2);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.reason).toContain(reason);
      expect(v.reason).not.toContain('\n');
    }
  });

  it('refuse a peer of another dimension, saying so', () => {
    expect(helloMismatch(hello, { ...hello, dimensions: 3 })).toBe(
      'peer has dimension 3, this node has 2',
    );
    expect(helloMismatch(hello, { ...hello, cycleMs: 250 })).toBeNull();
    expect(checkHello({ ...hello, dimensions: 65 }).ok).toBe(false);
  });
});
