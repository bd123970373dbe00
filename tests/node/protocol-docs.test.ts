import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_DEFAULTS } from '../../src-main/node/p2p/host';
import {
  DRIFT_DEFAULTS,
  MAX_FRAME_BYTES,
  defaultMaxPeerCycleMs,
  encodeCycleBody,
  encodeFrame,
  frameBytes,
} from '../../src-shared/protocol';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'protocol.md'), 'utf8');
const rows = doc.split('\n').map((line) => line.split('|').map((cell) => cell.trim()));
const cell = (name: string) => rows.find((r) => r[1] === `\`${name}\``)?.[2];

describe('docs/protocol.md', () => {
  it.each([
    ...Object.entries(DRIFT_DEFAULTS),
    ...(
      ['maxOutboundPerGroup', 'maxInboundPerHost', 'maxConnections', 'targetOutbound'] as const
    ).map((k) => [k, HOST_DEFAULTS[k]] as const),
  ])('gives the default of %s the code uses', (name, value) => {
    expect(Number(cell(name))).toBe(value);
  });

  it('gives the default of maxPeerCycleMs the code uses', () => {
    expect(cell('maxPeerCycleMs')).toBe('max(8 x cycleMs, 10 s)');
    expect(defaultMaxPeerCycleMs(100)).toBe(10_000);
    expect(defaultMaxPeerCycleMs(1250)).toBe(10_000);
    expect(defaultMaxPeerCycleMs(5000)).toBe(40_000);
  });

  it('states the frame size limit and the measured frame sizes', () => {
    expect(doc).toContain(`Size limit: ${MAX_FRAME_BYTES} bytes of body`);
    const size = (label: string) => Number(rows.find((r) => r[1] === label)?.[2]);
    const sdm = { kind: 'sdm', shard: 0, state: [1, 2], weight: 0.5, cycle: 7 } as const;
    expect(size('HELLO (cycle 1000 ms)')).toBe(
      encodeFrame({ kind: 'hello', version: 1, dimensions: 2, cycleMs: 1000 }).byteLength,
    );
    expect(size('SDM, d = 2, cycle < 128')).toBe(encodeFrame(sdm).byteLength);
    expect(size('SDM, d = 2, cycle 100 000')).toBe(
      encodeFrame({ ...sdm, cycle: 100_000 }).byteLength,
    );
    expect(size('EP, d = 2')).toBe(
      encodeFrame({ kind: 'ep', entropy: [0.1, -0.2], timestamp: 1.7e12, load: 0.3 }).byteLength,
    );
    expect(size('SDM, d = 64 (the largest dimension), cycle 2^40')).toBe(
      encodeFrame({ ...sdm, state: new Array<number>(64).fill(1), cycle: 2 ** 40 }).byteLength,
    );
    const cycleFrame = (d: number, cycle: number) =>
      frameBytes(
        encodeCycleBody(
          { kind: 'ep', entropy: new Array<number>(d).fill(0.1), timestamp: 1.7e12, load: 0.3 },
          { ...sdm, state: new Array<number>(d).fill(1), cycle },
        ),
      ).byteLength;
    expect(size('cycle frame (EP and SDM), d = 2, cycle < 128')).toBe(cycleFrame(2, 7));
    expect(size('cycle frame, d = 2, cycle < 16 384 (4.5 hours)')).toBe(cycleFrame(2, 16_383));
    expect(size('cycle frame, d = 2, cycle < 2^21 (24 days)')).toBe(cycleFrame(2, 2 ** 21 - 1));
    expect(size('cycle frame, d = 2, cycle < 2^28 (8.5 years)')).toBe(cycleFrame(2, 2 ** 28 - 1));
    expect(size('cycle frame, d = 64, cycle 2^40')).toBe(cycleFrame(64, 2 ** 40));
  });
});
