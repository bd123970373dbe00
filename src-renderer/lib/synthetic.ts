import { seededRng, type Rng } from '@shared/random';
import { DISTANCE_COLORS } from '../draw/palette';
import { distanceBucket } from './distance-scale';
import { mapGroups } from './map-groups';
import { CONDITION } from '../state/tick-frame';
import type { MapData } from './map-data';

/*
 * Synthetic swarms for the map's benchmark mode (?bench=map&nodes=1000&links=4000&seed=1):
 * seeded, so every run draws the same picture. A tenth of the links are cut (dashed), a few
 * nodes are dead, frozen or lying, like a lab under attack, and one in twenty is a browser node
 * (the map draws those as windows, which costs more path than a disc: the benchmark pays it).
 */

/** Every BROWSER_EVERY-th slot (from the third) is a browser node in a synthetic swarm. */
const BROWSER_EVERY = 20;

export interface SyntheticSwarm {
  readonly data: MapData;
  readonly distance: Float64Array;
  readonly rng: Rng;
}

export function syntheticSwarm(nodes: number, links: number, seed: number): SyntheticSwarm {
  const n = Math.max(2, Math.floor(nodes));
  const rng = seededRng(seed);
  const maxLinks = (n * (n - 1)) / 2;
  const m = Math.min(Math.max(0, Math.floor(links)), maxLinks);
  const seen = new Set<number>();
  const live: number[] = [];
  const cut: number[] = [];
  // A ring first, so the swarm is one piece, then random chords.
  for (let i = 0; i < n && seen.size < m; i++) {
    const a = Math.min(i, (i + 1) % n);
    const b = Math.max(i, (i + 1) % n);
    if (a === b || seen.has(a * 65536 + b)) continue;
    seen.add(a * 65536 + b);
    live.push(a, b);
  }
  while (seen.size < m) {
    const x = rng.int(n);
    const y = rng.int(n);
    if (x === y) continue;
    const a = Math.min(x, y);
    const b = Math.max(x, y);
    if (seen.has(a * 65536 + b)) continue;
    seen.add(a * 65536 + b);
    (rng.float() < 0.1 ? cut : live).push(a, b);
  }
  const cond = new Uint8Array(n).fill(CONDITION.up);
  const liar = new Uint8Array(n);
  // Chosen by slot, not by the rng, so a seed draws the same links and colours it always drew.
  const browser = Uint8Array.from({ length: n }, (_, i) => (i % BROWSER_EVERY === 2 ? 1 : 0));
  const earned = new Float64Array(n);
  const distance = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.float();
    if (u < 0.02) cond[i] = CONDITION.dead;
    else if (u < 0.03) cond[i] = CONDITION.frozen;
    if (rng.float() < 0.01) liar[i] = 2;
    earned[i] = rng.float() * 10;
    distance[i] = -Math.log(1 - rng.float()) * 2;
  }
  return {
    data: withDistances(
      {
        n,
        cond,
        liar,
        browser,
        earned,
        fill: new Int16Array(n),
        fills: DISTANCE_COLORS,
        links: Int32Array.from(live),
        cut: Int32Array.from(cut),
        groups: mapGroups(
          n,
          cond,
          Uint8Array.from(cond, (c) => (c === CONDITION.up ? 1 : 0)),
          live,
          [],
        ),
        framesOut: new Float64Array(n),
        t: 0,
      },
      distance,
    ),
    distance,
    rng,
  };
}

/** The swarm's next tick: every distance moved a little (new colours), earned grown. */
export function nextTick(s: SyntheticSwarm): SyntheticSwarm {
  const distance = Float64Array.from(s.distance, (d) =>
    Math.max(0, d * (0.9 + 0.2 * s.rng.float())),
  );
  const earned = Float64Array.from(s.data.earned, (e) => e + 0.01);
  return { ...s, distance, data: withDistances({ ...s.data, earned }, distance) };
}

/** The benchmark's epsilon: its distances (mean 2 VU) then spread over every colour. */
const SYNTHETIC_EPSILON = 0.05;

function withDistances(data: MapData, distance: Float64Array): MapData {
  const fill = new Int16Array(data.n);
  for (let i = 0; i < data.n; i++) fill[i] = distanceBucket(distance[i], SYNTHETIC_EPSILON);
  return { ...data, fill };
}
