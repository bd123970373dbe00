import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeDrift, type CycleResult, type PeerReport } from '../../src-shared/drift/node-drift';
import { NUMERIC_PARAMS, resolveParams, type DriftParams } from '../../src-shared/drift/params';
import { RULES, type RuleName } from '../../src-shared/drift/rules';
import { seededRng } from '../../src-shared/random';

/*
 * NodeDrift.step under arbitrary and hostile input (docs/model.md, "One cycle" and
 * "VaultGuard"): whatever the peers report, whatever the load and the parameters, after every cycle the node's state is
 * finite and non-negative, its drift within the clamp, its trust values shares, and every
 * intervention is reported under its rule and naming the peer it concerns. The oracle below
 * recomputes each peer's distance to the node's state itself.
 */

const SEED = 20261121;

// ---------------------------------------------------------------------------------------------
// Parameters: anywhere in the ranges of NUMERIC_PARAMS (respecting maxDiff <= anomalyLimit).

/** Log-uniform in [lo, hi]: scales from a millionth of a VU to the largest allowed. */
function logScale(lo: number, hi: number): fc.Arbitrary<number> {
  return fc
    .double({ min: Math.log10(lo), max: Math.log10(hi), noNaN: true })
    .map((u) => Math.min(hi, Math.max(lo, 10 ** u)));
}

/** A length-like parameter (VU or weight): log-uniform, or one of its edges or default. */
function lengthParam(name: 'anomalyLimit' | 'maxDrift' | 'wMax' | 'forceLimit') {
  const spec = NUMERIC_PARAMS[name];
  return fc.oneof(
    { weight: 4, arbitrary: logScale(1e-6, spec.max) },
    { weight: 1, arbitrary: fc.constantFrom(spec.max, spec.default) },
  );
}

/** A share-like parameter, anywhere in its range (fast-check favours the edges). */
function shareParam(name: 'alpha' | 'tcRise' | 'tcDrop' | 'drainPenalty' | 'drainMemory') {
  const spec: { min: number; max: number; maxOpen?: boolean } = NUMERIC_PARAMS[name];
  return fc.oneof(
    fc.double({ min: spec.min, max: spec.max, maxExcluded: spec.maxOpen ?? false, noNaN: true }),
    fc.constant(NUMERIC_PARAMS[name].default),
  );
}

const paramsArb: fc.Arbitrary<DriftParams> = fc
  .record({
    dimensions: fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 6 }) },
      { weight: 1, arbitrary: fc.constantFrom(16, 64) },
    ),
    alpha: shareParam('alpha'),
    beta: fc.oneof(
      fc.double({ min: 0, max: 1, minExcluded: true, noNaN: true }),
      fc.constantFrom(0.1, 0.5, 1),
    ),
    trimF: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 32 })),
    anomalyLimit: lengthParam('anomalyLimit'),
    /** maxDiff as a share of anomalyLimit (the cross check). */
    diffShare: fc.oneof(
      { weight: 1, arbitrary: fc.constant(1) },
      { weight: 4, arbitrary: fc.double({ min: 1e-6, max: 1, noNaN: true }) },
    ),
    maxDrift: lengthParam('maxDrift'),
    /** Sometimes maxDrift as a share of beta * maxDiff instead, so that the drift clamp binds. */
    driftShare: fc.option(fc.double({ min: 1e-3, max: 1, noNaN: true }), { nil: undefined }),
    wMax: lengthParam('wMax'),
    lossLimit: fc.double({ min: 0, max: 1, minExcluded: true, maxExcluded: true, noNaN: true }),
    forceLimit: lengthParam('forceLimit'),
    earnRate: fc.oneof(fc.double({ min: 0, max: 1e3, noNaN: true }), fc.constant(0.01)),
    tcRise: shareParam('tcRise'),
    tcDrop: shareParam('tcDrop'),
    drainPenalty: shareParam('drainPenalty'),
    drainZ: fc.oneof(
      fc.double({ min: 1, max: 3, noNaN: true }),
      fc.double({ min: 1, max: 100, noNaN: true }),
    ),
    drainMinSamples: fc.oneof(
      fc.double({ min: 1, max: 5, noNaN: true }),
      fc.double({ min: 1, max: 30, noNaN: true }),
      fc.double({ min: 1, max: 1e6, noNaN: true }),
    ),
    drainMemory: shareParam('drainMemory'),
    tcSelfWindow: fc.oneof(
      fc.double({ min: 1, max: 200, noNaN: true }),
      fc.double({ min: 1, max: 1e6, noNaN: true }),
    ),
    aggregator: fc.constantFrom('mean' as const, 'trimmed' as const, 'median' as const),
    weighting: fc.constantFrom('claimed' as const, 'uniform' as const),
  })
  .map(({ diffShare, driftShare, ...raw }) => {
    const maxDiff = Math.max(Number.MIN_VALUE, raw.anomalyLimit * diffShare);
    const maxDrift =
      driftShare === undefined ? raw.maxDrift : Math.max(1e-9, driftShare * raw.beta * maxDiff);
    return resolveParams({ ...raw, maxDiff, maxDrift });
  });

// ---------------------------------------------------------------------------------------------
// Numbers, own state, peers.

const SPECIAL = [NaN, Infinity, -Infinity, 1e308, -1e308, -1, -0, 0, Number.MIN_VALUE];

const hostileNumber = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
);

/** Own initial state: zeros, ordinary values, large values, and garbage the node must repair. */
const ownComponent = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 0, max: 1e3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1e6, 1e12, 1e300, 1e308, Number.MAX_VALUE) },
  { weight: 1, arbitrary: hostileNumber },
);

/** A report of length 100000: wrong for every dimension. Shared, so it costs nothing per run. */
const HUGE = new Float64Array(100_000).fill(1);

type Kind = 'near' | 'clamped' | 'far' | 'drainer' | 'hostile' | 'raw' | 'wrong-length';

interface PeerSpec {
  readonly id: number;
  readonly kind: Kind;
  /** Direction seed and length share for near / clamped / far. */
  readonly dirSeed: number;
  readonly frac: number;
  /** Components for hostile / raw reports (used cyclically). */
  readonly values: readonly number[];
  readonly wrongLength: 'empty' | 'short' | 'long' | 'huge';
  readonly weight: number | 'wMax' | 'over' | { readonly share: number };
  readonly entropy: 'none' | 'ok' | 'bad';
}

function peerSpecArb(ids: number): fc.Arbitrary<PeerSpec> {
  return fc.record({
    id: fc.integer({ min: 0, max: ids - 1 }),
    kind: fc.constantFrom<Kind>(
      'near',
      'near',
      'clamped',
      'far',
      'drainer',
      'hostile',
      'raw',
      'wrong-length',
    ),
    dirSeed: fc.integer(),
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
    values: fc.array(hostileNumber, { minLength: 1, maxLength: 8 }),
    wrongLength: fc.constantFrom(
      'empty' as const,
      'short' as const,
      'long' as const,
      'huge' as const,
    ),
    weight: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((share) => ({ share })),
      },
      { weight: 2, arbitrary: fc.constantFrom(...SPECIAL, 'wMax' as const, 'over' as const) },
      { weight: 1, arbitrary: fc.double() },
    ),
    entropy: fc.constantFrom('none' as const, 'ok' as const, 'bad' as const),
  });
}

const loadArb = fc.oneof(
  { weight: 3, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, -1, -Infinity, 1.5, 2, Infinity, 0, 1) },
);

/** Turns a spec into a report against the node's current state. */
function materialise(spec: PeerSpec, S: readonly number[], p: DriftParams): PeerReport {
  const d = S.length;
  let state: ArrayLike<number>;
  switch (spec.kind) {
    case 'near':
    case 'clamped':
    case 'far': {
      const rng = seededRng(spec.dirSeed);
      const u = Array.from({ length: d }, () => rng.normal());
      const n = Math.hypot(...u) || 1;
      const len =
        spec.kind === 'near'
          ? spec.frac * p.maxDiff
          : spec.kind === 'clamped'
            ? p.maxDiff + spec.frac * (p.anomalyLimit - p.maxDiff)
            : p.anomalyLimit * (1.001 + 1e3 * spec.frac);
      state = S.map((x, c) => x + (u[c] / n) * len);
      break;
    }
    case 'drainer':
      // Always half of maxDiff toward less total value: the diff never shrinks.
      state = S.map((x) => x - (0.5 * p.maxDiff) / Math.sqrt(d));
      break;
    case 'hostile':
      state = S.map((_, c) => spec.values[c % spec.values.length]);
      break;
    case 'raw':
      // Finite values only (anywhere in the doubles).
      state = S.map((_, c) => {
        const v = spec.values[c % spec.values.length];
        return Number.isFinite(v) ? v : 0;
      });
      break;
    case 'wrong-length':
      state =
        spec.wrongLength === 'huge'
          ? HUGE
          : new Array<number>(
              spec.wrongLength === 'empty' ? 0 : spec.wrongLength === 'short' ? d - 1 : d + 1,
            ).fill(1);
      break;
  }
  const w = spec.weight;
  const weight =
    w === 'wMax'
      ? p.wMax
      : w === 'over'
        ? p.wMax * 1.5
        : typeof w === 'number'
          ? w
          : w.share * p.wMax;
  const entropy =
    spec.entropy === 'none'
      ? undefined
      : spec.entropy === 'ok'
        ? S.map((_, c) => spec.values[c % spec.values.length] % 3 || 0.5)
        : [NaN, ...S.slice(1)];
  return entropy === undefined
    ? { id: `p${spec.id}`, state, weight }
    : { id: `p${spec.id}`, state, weight, entropy };
}

// ---------------------------------------------------------------------------------------------
// The oracle.

/** Relative band around a bound in which either side of a comparison is accepted. */
const BAND = 1e-9;

interface Tracker {
  /** Events of every rule returned so far. */
  readonly seen: Float64Array;
  readonly maxPeers: number;
  /** Every peer id the node has considered so far. */
  readonly known: Set<string>;
}

const PEER_RULES: ReadonlySet<RuleName> = new Set([
  'finite-state',
  'anomaly-bound',
  'diff-clamp',
  'weight-bound',
  'drain-detection',
]);
const OWN_RULES: ReadonlySet<RuleName> = new Set([
  'drift-clamp',
  'catastrophic-loss',
  'vu-nonnegative',
  'recovery-enter',
  'recovery-exit',
]);

function expectSaneNode(node: NodeDrift, p: DriftParams): void {
  const S = node.state;
  expect(S).toHaveLength(p.dimensions);
  for (const x of S) {
    expect(Number.isFinite(x)).toBe(true);
    expect(x).toBeGreaterThanOrEqual(0);
  }
}

/** Which peers (in order) the node considers: the first report of each id, up to maxPeers. */
function considered(peers: readonly PeerReport[], maxPeers: number): PeerReport[] {
  const out: PeerReport[] = [];
  const ids = new Set<string>();
  for (const r of peers) {
    if (ids.has(r.id)) continue;
    ids.add(r.id);
    if (out.length < maxPeers) out.push(r);
  }
  return out;
}

interface Verdict {
  /** Peers whose diff entered the aggregate (null if a bound was too close to call). */
  readonly accepted: number | null;
  readonly acceptedIds: ReadonlySet<string>;
}

/** Checks one cycle's events and state against the rules, given the state before it. */
function checkCycle(
  node: NodeDrift,
  p: DriftParams,
  S0: readonly number[],
  before: { earned: number; recovery: boolean },
  peers: readonly PeerReport[],
  load: number,
  r: CycleResult,
  t: Tracker,
): Verdict {
  const d = p.dimensions;
  const list = considered(peers, t.maxPeers);
  const listed = new Set(list.map((x) => x.id));

  // --- every component finite and sane
  expectSaneNode(node, p);
  expect(r.S).toEqual(node.state);
  expect(r.D).toEqual(node.drift);
  expect(r.D).toHaveLength(d);
  expect(r.F).toHaveLength(d);
  for (const x of [...r.D, ...r.F]) expect(Number.isFinite(x)).toBe(true);
  // S is S + D exactly (own state is always valid after construction).
  for (let c = 0; c < d; c++) expect(r.S[c]).toBe(S0[c] + r.D[c]);
  expect(Number.isFinite(node.earned)).toBe(true);
  expect(node.earned).toBeGreaterThanOrEqual(0);
  expect(node.tcSelf).toBeGreaterThanOrEqual(0);
  expect(node.tcSelf).toBeLessThanOrEqual(1);
  expect(Number.isFinite(r.dc)).toBe(true);
  expect(r.dc).toBeGreaterThanOrEqual(0);
  expect(r.dc).toBeLessThanOrEqual(p.wMax);
  expect(node.dc).toBe(r.dc);
  for (const [id, tc] of Object.entries(node.trustTable())) {
    expect(Number.isFinite(tc), id).toBe(true);
    expect(tc).toBeGreaterThanOrEqual(0);
    expect(tc).toBeLessThanOrEqual(1);
  }
  // Peers past maxPeers are not looked at, so not remembered either.
  for (const id of listed) t.known.add(id);
  for (const id of Object.keys(node.trustTable())) expect(t.known.has(id), id).toBe(true);
  expect(r.accepted).toBeGreaterThanOrEqual(0);
  expect(r.accepted).toBeLessThanOrEqual(1);

  // --- entropy as applied: |F| <= 1 - load (load read as 0 when NaN or negative)
  const Fn = Math.hypot(...r.F);
  const quiet = load > 0 ? Math.max(0, 1 - load) : 1;
  expect(Fn).toBeLessThanOrEqual(quiet * (1 + 1e-12) + 1e-15);

  // --- events: rule names known, peers named only for peer rules and only if considered
  const byPeer = new Map<string, RuleName[]>();
  const own: RuleName[] = [];
  for (const e of r.events) {
    expect(RULES).toContain(e.rule);
    expect(typeof e.reason).toBe('string');
    if (e.peer === undefined) {
      expect(OWN_RULES.has(e.rule), `own event ${e.rule}`).toBe(true);
      own.push(e.rule);
    } else {
      expect(typeof e.peer).toBe('string');
      expect(listed.has(e.peer as string), `event for unlisted peer ${String(e.peer)}`).toBe(true);
      expect(PEER_RULES.has(e.rule)).toBe(true);
      const rules = byPeer.get(e.peer as string) ?? [];
      rules.push(e.rule);
      byPeer.set(e.peer as string, rules);
    }
  }

  // --- per peer: the rule that must (and must not) have acted
  let accepted = 0;
  let ambiguous = false;
  const acceptedIds = new Set<string>();
  for (const rep of list) {
    const got = byPeer.get(rep.id) ?? [];
    const ctx = `peer ${rep.id}: ${JSON.stringify(got)}`;
    let finite = rep.state.length === d;
    for (let c = 0; finite && c < d; c++) finite = Number.isFinite(rep.state[c]);
    if (!finite) {
      expect(got, ctx).toEqual(['finite-state']);
      continue;
    }
    const diff = Array.from({ length: d }, (_, c) => rep.state[c] - S0[c]);
    const dist = Math.hypot(...diff);
    const anomaly = dist > p.anomalyLimit * (1 + BAND);
    const inside = dist < p.anomalyLimit * (1 - BAND);
    if (!inside && !anomaly) ambiguous = true;
    if (anomaly || (!inside && got.includes('anomaly-bound'))) {
      expect(got, ctx).toEqual(['anomaly-bound']);
      continue;
    }
    accepted++;
    acceptedIds.add(rep.id);
    const rest = got.filter((rule) => rule !== 'drain-detection');
    expect(got.length - rest.length, ctx).toBeLessThanOrEqual(1);
    const expected: RuleName[] = [];
    if (dist > p.maxDiff * (1 + BAND)) expected.push('diff-clamp');
    else if (dist >= p.maxDiff * (1 - BAND) && rest[0] === 'diff-clamp')
      expected.push('diff-clamp');
    const w = rep.weight;
    if (p.weighting === 'claimed' && !(w >= 0 && w <= p.wMax)) expected.push('weight-bound');
    expect(rest, ctx).toEqual(expected);
  }
  for (const id of byPeer.keys()) expect(list.some((x) => x.id === id)).toBe(true);

  const k = list.length;
  if (k === 0) expect(r.accepted).toBe(0);
  else if (!ambiguous) expect(Math.round(r.accepted * k)).toBe(accepted);

  // --- per-rule counters equal the events returned so far
  for (const e of r.events) t.seen[RULES.indexOf(e.rule)]++;
  expect([...node.counts]).toEqual([...t.seen]);

  // --- drift clamp: |D| <= maxDrift, and exactly maxDrift when the clamp acted last
  const Dn = Math.hypot(...r.D);
  expect(Dn).toBeLessThanOrEqual(p.maxDrift * (1 + 1e-12));
  if (own.includes('drift-clamp')) {
    const clamp = r.events.find((e) => e.rule === 'drift-clamp');
    expect(clamp?.value).toBeGreaterThan(p.maxDrift);
    if (!own.includes('catastrophic-loss') && !own.includes('vu-nonnegative'))
      expect(Math.abs(Dn - p.maxDrift)).toBeLessThanOrEqual(1e-9 * p.maxDrift);
  }

  // --- catastrophic loss: no cycle removes more than lossLimit of sum(S)
  const sum0 = S0.reduce((a, b) => a + b, 0);
  const sum1 = r.S.reduce((a, b) => a + b, 0);
  if (Number.isFinite(sum0) && Number.isFinite(sum1))
    expect(sum1).toBeGreaterThanOrEqual(sum0 * (1 - p.lossLimit) - 1e-9 * sum0);
  // ...and switches recovery on (with an event unless it was on already).
  if (own.includes('catastrophic-loss')) {
    expect(r.recovery).toBe(true);
    if (!before.recovery || own.includes('recovery-exit')) expect(own).toContain('recovery-enter');
  }

  // --- VU floor: when it acted, some component sits at exactly zero
  if (own.includes('vu-nonnegative')) expect(r.S.some((x) => x === 0)).toBe(true);

  // --- recovery: on iff entered this cycle, or on before and not left
  const entered = own.includes('recovery-enter');
  const left = own.includes('recovery-exit');
  expect(r.recovery).toBe(node.recovery);
  expect(r.recovery).toBe(entered || (before.recovery && !left));
  if (left) expect(before.recovery).toBe(true);

  // --- earned: grows by earnRate times the share of accepted peers, never shrinks
  if (Number.isFinite(before.earned) && before.earned >= 0) {
    expect(node.earned).toBeGreaterThanOrEqual(before.earned);
    if (!ambiguous) {
      const gain = k > 0 ? (p.earnRate * accepted) / k : 0;
      const want = before.earned + gain;
      expect(Math.abs(node.earned - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, want));
    }
  }
  return { accepted: ambiguous ? null : accepted, acceptedIds };
}

// ---------------------------------------------------------------------------------------------
// Runs.

interface Scenario {
  readonly params: DriftParams;
  readonly own: readonly number[];
  readonly earned: number | undefined;
  readonly tcSelf: number | undefined;
  readonly maxPeers: number | undefined;
  readonly rngSeed: number;
  readonly cycles: readonly { readonly peers: readonly PeerSpec[]; readonly load: number }[];
}

function scenarioArb(opts: { ids: number; minPeers: number; maxPeers: number; cycles: number }) {
  return fc.record({
    params: paramsArb,
    own: fc.array(ownComponent, { minLength: 64, maxLength: 64 }),
    earned: fc.option(fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), hostileNumber), {
      nil: undefined,
    }),
    tcSelf: fc.option(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), hostileNumber), {
      nil: undefined,
    }),
    maxPeers: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined, freq: 3 }),
    rngSeed: fc.integer(),
    cycles: fc.array(
      fc.record({
        peers: fc.array(peerSpecArb(opts.ids), {
          minLength: opts.minPeers,
          maxLength: opts.maxPeers,
        }),
        load: loadArb,
      }),
      { minLength: 1, maxLength: opts.cycles },
    ),
  });
}

function makeNode(s: Scenario): NodeDrift {
  return new NodeDrift({
    params: s.params,
    state: s.own.slice(0, s.params.dimensions),
    rng: seededRng(s.rngSeed),
    ...(s.earned === undefined ? {} : { earned: s.earned }),
    ...(s.tcSelf === undefined ? {} : { tcSelf: s.tcSelf }),
    ...(s.maxPeers === undefined ? {} : { maxPeers: s.maxPeers }),
  });
}

/** What a checked cycle hands to a test that looks further than checkCycle does. */
interface CheckedCycle {
  readonly S0: readonly number[];
  readonly peers: readonly PeerReport[];
  readonly r: CycleResult;
  readonly v: Verdict;
  readonly maxPeers: number;
}

/** Runs a scenario, checking every cycle; `also` adds a test's own checks per cycle. */
function runChecked(s: Scenario, also?: (c: CheckedCycle) => void): void {
  const p = s.params;
  const node = makeNode(s);
  expectSaneNode(node, p);
  const tracker: Tracker = {
    seen: new Float64Array(RULES.length),
    maxPeers: s.maxPeers ?? 64,
    known: new Set<string>(),
  };
  for (const cycle of s.cycles) {
    const S0 = node.state;
    const before = { earned: node.earned, recovery: node.recovery };
    const peers = cycle.peers.map((spec) => materialise(spec, S0, p));
    const r = node.step(peers, cycle.load);
    const v = checkCycle(node, p, S0, before, peers, cycle.load, r, tracker);
    also?.({ S0, peers, r, v, maxPeers: tracker.maxPeers });
  }
}

describe('NodeDrift.step under arbitrary and hostile input', () => {
  it('keeps every invariant and reports every intervention (0-12 peers, 1-10 cycles)', () => {
    fc.assert(
      fc.property(scenarioArb({ ids: 16, minPeers: 0, maxPeers: 12, cycles: 10 }), (s) =>
        runChecked(s),
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('does the same with a crowd of 30-200 peers and a maxPeers cut', () => {
    fc.assert(
      fc.property(scenarioArb({ ids: 400, minPeers: 30, maxPeers: 200, cycles: 3 }), (s) =>
        runChecked(s),
      ),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('never throws on garbage of every kind at once', () => {
    const garbage = fc.record({
      id: fc.string({ maxLength: 3 }),
      state: fc.oneof(
        fc.array(hostileNumber, { maxLength: 70 }),
        fc.constant(HUGE),
        fc.constant([] as number[]),
      ),
      weight: hostileNumber,
    });
    fc.assert(
      fc.property(
        paramsArb,
        fc.array(fc.array(garbage, { maxLength: 20 }), { minLength: 1, maxLength: 5 }),
        fc.array(loadArb, { minLength: 5, maxLength: 5 }),
        (params, cycles, loads) => {
          const node = new NodeDrift({
            params,
            state: new Array<number>(params.dimensions).fill(1e6),
            rng: seededRng(1),
          });
          cycles.forEach((peers, t) => {
            const r = node.step(peers, loads[t]);
            expect(r.S.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
            expect(Math.hypot(...r.D)).toBeLessThanOrEqual(params.maxDrift * (1 + 1e-12));
          });
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('excluded peers have no influence', () => {
  it('a node that also hears anomalous and malformed peers moves exactly like one that does not', () => {
    const bad = (spec: PeerSpec, S: readonly number[], p: DriftParams): PeerReport | null => {
      const r = materialise(spec, S, p);
      let finite = r.state.length === S.length;
      for (let c = 0; finite && c < S.length; c++) finite = Number.isFinite(r.state[c]);
      if (!finite) return r;
      const dist = Math.hypot(...S.map((x, c) => r.state[c] - x));
      return dist > p.anomalyLimit * (1 + BAND) ? r : null;
    };
    fc.assert(
      fc.property(
        scenarioArb({ ids: 6, minPeers: 0, maxPeers: 6, cycles: 6 }),
        fc.array(
          fc.array(
            peerSpecArb(6).map((s) => ({
              ...s,
              kind: (['far', 'hostile', 'wrong-length'] as const)[Math.abs(s.dirSeed) % 3],
            })),
            { maxLength: 4 },
          ),
          { minLength: 6, maxLength: 6 },
        ),
        (s, bads) => {
          const p = s.params;
          const a = makeNode({ ...s, maxPeers: undefined });
          const b = makeNode({ ...s, maxPeers: undefined });
          s.cycles.forEach((cycle, t) => {
            const S0 = a.state;
            expect(b.state).toEqual(S0);
            const honest = cycle.peers
              .filter((x) => x.kind === 'near')
              .map((spec) => materialise(spec, S0, p));
            const liars = bads[t]
              .map((spec) => bad(spec, S0, p))
              .filter((x): x is PeerReport => x !== null)
              .map((x) => ({ ...x, id: `bad-${x.id}` }));
            // Liars interleaved with the honest reports.
            const mixed = [...liars.slice(0, 2), ...honest, ...liars.slice(2)];
            const ra = a.step(mixed, cycle.load);
            const rb = b.step(honest, cycle.load);
            expect(ra.S).toEqual(rb.S);
            expect(ra.D).toEqual(rb.D);
            expect(ra.recovery).toBe(rb.recovery);
            const excluded = ra.events.filter(
              (e) =>
                e.peer !== undefined && (e.rule === 'anomaly-bound' || e.rule === 'finite-state'),
            );
            expect(new Set(excluded.map((e) => e.peer))).toEqual(new Set(liars.map((x) => x.id)));
          });
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('with alpha = 0, S stays in the box of S and the accepted (clamped) peer targets', () => {
    fc.assert(
      fc.property(scenarioArb({ ids: 8, minPeers: 0, maxPeers: 8, cycles: 5 }), (s0) => {
        const s = { ...s0, params: resolveParams({ ...s0.params, alpha: 0 }) };
        const p = s.params;
        runChecked(s, ({ S0, peers, r, v, maxPeers }) => {
          const targets = considered(peers, maxPeers)
            .filter((x) => v.acceptedIds.has(x.id))
            .map((x) => {
              const diff = S0.map((y, c) => x.state[c] - y);
              const len = Math.hypot(...diff);
              const k = len > p.maxDiff ? p.maxDiff / len : 1;
              return S0.map((y, c) => y + k * diff[c]);
            });
          for (let c = 0; c < p.dimensions; c++) {
            const xs = [S0[c], ...targets.map((x) => x[c])];
            const lo = Math.min(...xs);
            const hi = Math.max(...xs);
            const tol = 1e-9 * Math.max(Math.abs(lo), Math.abs(hi), 1e-300);
            expect(r.S[c]).toBeGreaterThanOrEqual(lo - tol);
            expect(r.S[c]).toBeLessThanOrEqual(hi + tol);
          }
        });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('trust', () => {
  it('a peer that keeps pulling toward less value at a constant offset is flagged as draining', () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.double({ min: 1e-3, max: 1, noNaN: true }),
        fc.record({
          drainZ: fc.double({ min: 1, max: 3, noNaN: true }),
          drainMinSamples: fc.double({ min: 1, max: 10, noNaN: true }),
          drainMemory: fc.double({ min: 0.95, max: 0.99, noNaN: true }),
          drainPenalty: fc.double({ min: 0.05, max: 1, noNaN: true }),
          tcRise: fc.double({ min: 0, max: 0.01, noNaN: true }),
        }),
        (p0, share, drain) => {
          const p = resolveParams({ ...p0, ...drain, maxDiff: 10, anomalyLimit: 50 });
          const d = p.dimensions;
          const node = new NodeDrift({
            params: p,
            state: new Array<number>(d).fill(1000),
            rng: seededRng(5),
          });
          // |diff| = 10 * share, every component negative.
          const offset = (10 * share) / Math.sqrt(d);
          let flagged = 0;
          for (let t = 0; t < 40; t++) {
            const S = node.state;
            const r = node.step([
              { id: 'honest', state: S, weight: 1 },
              { id: 'drainer', state: S.map((x) => x - offset), weight: 1 },
            ]);
            for (const e of r.events) {
              if (e.rule === 'drain-detection') {
                expect(e.peer).toBe('drainer');
                flagged++;
              }
            }
          }
          expect(flagged).toBeGreaterThan(0);
          expect(node.trustOf('drainer')).toBeLessThan(node.trustOf('honest'));
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('a peer that keeps sending anomalies ends with trust under the prior 0.5', () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        fc.array(fc.constantFrom('far', 'nan', 'inf', 'short', 'huge'), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.integer({ min: 0, max: 5 }),
        (p0, tcDrop, lies, honestCount) => {
          const p = resolveParams({ ...p0, tcDrop });
          const d = p.dimensions;
          const node = new NodeDrift({
            params: p,
            state: new Array<number>(d).fill(100),
            rng: seededRng(3),
          });
          let last = node.trustOf('liar');
          expect(last).toBe(0.5);
          for (const lie of lies) {
            const S = node.state;
            const state =
              lie === 'far'
                ? S.map((x) => x + 2 * p.anomalyLimit)
                : lie === 'nan'
                  ? S.map((x, c) => (c === 0 ? NaN : x))
                  : lie === 'inf'
                    ? S.map((x, c) => (c === d - 1 ? Infinity : x))
                    : lie === 'short'
                      ? S.slice(1)
                      : HUGE;
            const honest = Array.from({ length: honestCount }, (_, q) => ({
              id: `h${q}`,
              state: S,
              weight: 1,
            }));
            const r = node.step([...honest, { id: 'liar', state, weight: p.wMax }]);
            expect(r.events.filter((e) => e.peer === 'liar').map((e) => e.rule)).toEqual([
              lie === 'far' ? 'anomaly-bound' : 'finite-state',
            ]);
            const now = node.trustOf('liar');
            expect(now).toBeLessThan(0.5);
            expect(now).toBeLessThanOrEqual(last);
            last = now;
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});
