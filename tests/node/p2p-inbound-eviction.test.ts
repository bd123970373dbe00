import { describe, expect, it } from 'vitest';
import {
  EVICTION_DEFAULTS,
  chooseEvictionVictim,
  keyedGroupRank,
  type EvictionCandidate,
} from '../../src-main/node/p2p/inbound-eviction';
import { seededRng } from '../../src-shared/random';

/*
 * The inbound eviction policy alone: which peer goes when the slots are full. Times are in ms on
 * a clock where `NOW` is the moment of the decision.
 */

const NOW = 1_000_000;
const rank = keyedGroupRank(new TextEncoder().encode('a fixed test key'));

let n = 0;
function peer(fields: Partial<EvictionCandidate> & { group: string | null }): EvictionCandidate {
  n++;
  return {
    id: `c${String(n).padStart(3, '0')}`,
    peerId: `p${n}`,
    connectedAt: NOW - 60_000,
    framesIn: 0,
    badFrames: 0,
    ...fields,
  };
}

/** A peer that sent a useful frame `agoMs` before the decision. */
const speaking = (group: string, connectedAgo: number, agoMs = 100) =>
  peer({ group, connectedAt: NOW - connectedAgo, lastUsefulFrameAt: NOW - agoMs, framesIn: 50 });
/** A peer that said HELLO and nothing since. */
const silent = (group: string, connectedAgo: number) =>
  peer({ group, connectedAt: NOW - connectedAgo, framesIn: 1 });

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const rng = seededRng(seed);
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('inbound eviction policy', () => {
  it('evicts the newest member of the most crowded group among equals', () => {
    // Twelve silent peers past their grace: six in one /16, three, two and one in others. Silent
    // peers earn no protection but that of a distinct group (one per group, four groups here).
    const list = [
      ...[1, 2, 3, 4, 5, 6].map((i) => silent('ip4:10.1', i * 10_000)),
      ...[7, 8, 9].map((i) => silent('ip4:10.2', i * 10_000)),
      ...[10, 11].map((i) => silent('ip4:10.3', i * 10_000)),
      silent('ip4:10.4', 6_000),
    ];
    const choice = chooseEvictionVictim(list, NOW, rank);
    // 10.1 keeps its oldest (60 s) as its group's protected one, five remain: the crowded group.
    // Its newest is the one connected 10 s ago.
    expect(choice?.victim).toBe(list[0]);
    expect(choice?.reason).toBe('silent, newest of 5 unprotected in group ip4:10.1');
  });

  it('evicts a silent peer before a useful one, however new the useful one is', () => {
    const list = [
      silent('ip4:10.1', 30_000),
      silent('ip4:10.1', 40_000),
      ...Array.from({ length: 12 }, (_, i) => speaking('ip4:10.1', 1000 + i, 100 + i)),
    ];
    const choice = chooseEvictionVictim(list, NOW, rank);
    // The group protects the oldest (the silent one at 40 s): the other silent one goes, though
    // a dozen peers are newer than it.
    expect(choice?.victim).toBe(list[0]);
    // With no silent peer left unprotected, a speaking one goes: the newest unprotected.
    const rest = list.slice(1);
    const next = chooseEvictionVictim(rest, NOW, rank);
    expect(next?.victim.lastUsefulFrameAt).toBeDefined();
    expect(next?.reason).toMatch(/^newest of \d+ unprotected in group ip4:10.1$/);
  });

  it('never evicts a protected peer: distinct groups, recent useful frames, the oldest half', () => {
    const rng = seededRng(7);
    for (let trial = 0; trial < 50; trial++) {
      // An attacker's many peers in two groups against honest peers spread over twenty groups.
      const attackers = Array.from({ length: 30 }, (_, i) =>
        silent(`ip4:66.${i % 2}`, rng.int(100_000)),
      );
      const honest = Array.from({ length: 26 }, (_, i) =>
        speaking(`ip4:${20 + (i % 20)}.0`, rng.int(100_000), rng.int(5000)),
      );
      const list = shuffled([...attackers, ...honest], trial);
      const choice = chooseEvictionVictim(list, NOW, rank);
      expect(choice).not.toBeNull();
      // Every silent peer sits unprotected in a crowded attacker group, so one of them goes.
      expect(attackers).toContain(choice!.victim);

      // The protected sets, computed from the rules: none of them may ever be the victim.
      const useful = [...honest]
        .sort((a, b) => b.lastUsefulFrameAt! - a.lastUsefulFrameAt!)
        .slice(0, EVICTION_DEFAULTS.protectByUseful);
      for (const p of useful) expect(choice!.victim).not.toBe(p);
    }
  });

  it('keeps the protected shares when only honest peers are left to choose from', () => {
    // Twenty speaking peers, one group. Protected: the group's oldest (1), the eight most recent
    // useful frames, and half of the eleven left by age (5): six may go, the newest of them first.
    const list = Array.from({ length: 20 }, (_, i) => speaking('ip4:10.1', (i + 1) * 1000, i + 1));
    const choice = chooseEvictionVictim(list, NOW, rank)!;
    const protectedIds = new Set([
      list[19]!.id, // the oldest (group)
      ...list.slice(0, 8).map((p) => p.id), // the most recent useful frames (1..8 ms ago)
      ...list.slice(14, 19).map((p) => p.id), // the oldest five of the eleven left
    ]);
    expect(protectedIds.has(choice.victim.id)).toBe(false);
    expect(choice.victim).toBe(list[8]); // the newest unprotected
  });

  it('evicts a peer with bad frames or low trust before a silent one', () => {
    const list = [
      ...Array.from({ length: 6 }, (_, i) => silent('ip4:10.1', 1000 + i)),
      peer({ group: 'ip4:10.9', connectedAt: NOW - 90_000, badFrames: 3, framesIn: 90 }),
      peer({ group: 'ip4:10.9', connectedAt: NOW - 80_000, framesIn: 90, trust: 0.05 }),
      peer({ group: 'ip4:10.9', connectedAt: NOW - 95_000, framesIn: 90, trust: 0.9 }),
    ];
    const choice = chooseEvictionVictim(list, NOW, rank)!;
    // 10.9's oldest (95 s) is protected by its group; of the two offenders the newer goes.
    expect(choice.victim).toBe(list[7]);
    expect(choice.reason).toBe(
      'bad frames or low trust, silent, newest of 2 unprotected in group ip4:10.9',
    );
  });

  it('never evicts a newcomer in its grace period, and refuses when only such are left', () => {
    // Eight silent peers of one group, four of them connected under 5 s ago (their grace).
    const old = [20_000, 30_000, 40_000, 50_000].map((t) => silent('ip4:10.1', t));
    const fresh = [100, 1_000, 2_000, 4_900].map((t) => silent('ip4:10.1', t));
    const choice = chooseEvictionVictim([...fresh, ...old], NOW, rank)!;
    // Not the newest (100 ms, in grace) but the newest past its grace.
    expect(choice.victim).toBe(old[0]);
    // The group protects its oldest past grace; with that one alone and the fresh, none goes.
    expect(chooseEvictionVictim([...fresh, old[3]!], NOW, rank)).toBeNull();
    // A newcomer that sent a bad frame has no grace.
    const rude = peer({ group: 'ip4:10.1', connectedAt: NOW - 50, badFrames: 1, framesIn: 2 });
    expect(chooseEvictionVictim([...fresh, old[3]!, rude], NOW, rank)?.victim).toBe(rude);
  });

  it('refuses the newcomer when every candidate is protected', () => {
    const list = [speaking('ip4:10.1', 5000), speaking('ip4:10.2', 4000), silent('ip4:10.3', 10)];
    expect(chooseEvictionVictim(list, NOW, rank)).toBeNull();
  });

  it('is deterministic: the same peers in any order give the same victim', () => {
    const rng = seededRng(3);
    const list = Array.from({ length: 40 }, (_, i) =>
      i % 3 === 0
        ? speaking(`ip4:10.${i % 5}`, rng.int(50_000), rng.int(20_000))
        : silent(`ip4:10.${i % 5}`, 20_000 + (i % 4) * 1000),
    );
    const first = chooseEvictionVictim(list, NOW, rank)!.victim.id;
    for (let seed = 1; seed <= 20; seed++)
      expect(chooseEvictionVictim(shuffled(list, seed), NOW, rank)!.victim.id).toBe(first);
  });
});
