import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { Libp2p } from '@libp2p/interface';
import { NO_LINK_FAULTS, type LiarBehaviour, type NodeKind, type NodeSample } from '../api/lab-api';
import { resolveParams, type DriftParams } from '../drift/params';
import { countsByRule, emptyCounts } from '../drift/rules';
import { garbageBody } from './lies';
import { seededRng, type Rng } from '../random';
import type { CycleScheduler } from '../node/scheduler';
import type { CoreHost, NodeCore, NodeLog } from '../node/node-core';
import { LiarOutbox } from './liar-outbox';
import { LinkShaper } from '../protocol/link-shaper';
import { DialBook } from '../net/dial-book';
import type { PeerGate } from '../net/gater';
import { isRelayedOnly, isWebRtcAddr, isWebSocketAddr, transportOf } from '../net/address-group';
import type {
  DirectoryEntry,
  FaultTable,
  PoolAnswer,
  PoolInit,
  PoolLink,
  PoolNotice,
  PoolRequest,
} from './pool-protocol';

/*
 * A pool of real nodes: what each lab worker thread hosts (Node.js nodes), and each lab browser
 * tab (one browser node). The controller decides (partitions, faults, liars); the pool carries
 * it out on its own nodes through the parts it gives each of them: the host (its gater's cut set, the connections it closes and dials), the
 * frame shaper (faults, freezing), the outbox (lies) and the scheduler (skew, steps). It keeps
 * their topology links up by dialling, as a real node's connection manager would keep its peers:
 * of two nodes of a kind the lower slot dials, and a browser node dials a Node.js one (a browser
 * cannot be dialled but through a relay). The nodes themselves have no lab methods; how one is
 * built (its host, store and engine) is the launcher's, the one part that differs by platform.
 * What the lab is asked to be lives in the controller (lab-state.ts); a pool keeps only the
 * orders its own nodes must carry out, so that a node it revives gets them too.
 */

/** What the pool needs of a node's host: the core's, and the cuts and dials it makes on it. */
export interface PoolHost extends CoreHost {
  readonly libp2p: Libp2p;
  readonly gater: PeerGate;
  addresses(): Multiaddr[];
  /** Whether its transports can dial an address. */
  dialable(addr: string): boolean;
}

/** A running node and the parts of it the pool steers. */
export interface PoolNode {
  readonly core: NodeCore;
  readonly host: PoolHost;
  readonly scheduler: CycleScheduler;
  /**
   * Stops it as a crash would: no cycle after this moment, nothing more saved (the store keeps
   * its last coalesced write), peers cut off with the host. The core's own stop then finds its
   * store and host already gone.
   */
  crash(): Promise<void>;
}

/** How the pool's platform builds one lab node. */
export interface LaunchSpec {
  readonly slot: number;
  readonly params: DriftParams;
  /** The state it started from or joins around (genesis if it finds no peer). */
  readonly genesis: readonly number[];
  /** Join from its peers; otherwise `genesis` is its seeded initial state. */
  readonly join: boolean;
  /** Cycles a joining node waits for its peers' states before genesis. */
  readonly joinCycles: number;
  /** Seeds its entropy; a revived node is a new incarnation with a new seed. */
  readonly seed: number;
  /** A capped node's cap on the shards it holds (absent: K). */
  readonly maxShards?: number;
  readonly shaper: LinkShaper;
  readonly outbox: LiarOutbox;
  readonly log: NodeLog;
}

export interface NodeLauncher {
  readonly kind: NodeKind;
  launch(spec: LaunchSpec): Promise<PoolNode>;
}

interface Hosted {
  readonly slot: number;
  running: PoolNode | null;
  /** Its addresses as last told to the controller. */
  told: string;
  /** Seeds for the node's entropy; a revived node is a new incarnation with new entropy. */
  incarnation: number;
  readonly shaper: LinkShaper;
  readonly outbox: LiarOutbox;
  /** The stream a liar's lies and garbage are drawn from. */
  readonly lies: Rng;
  skew: number;
  frozen: boolean;
  /** The state it started from or joins around (genesis if it finds no peer). */
  genesis: readonly number[];
  join: boolean;
  /** Its cap on the shards it holds, for every incarnation (null: none, up to K). */
  readonly maxShards: number | null;
}

/** Bounded store sections: a lab node keeps less history than a personal one (every launcher). */
export const LAB_STORE_LIMITS = { history: 100, events: 100 } as const;

/** Cycles a node added to a running lab waits for its peers' states before genesis. */
const LAB_JOIN_CYCLES = 20;
/** Dials in flight per pool at most; the next maintenance round continues. */
const MAX_DIALS = 32;
const MAX_BACKOFF_MS = 30_000;

export class NodePool {
  private readonly hosted = new Map<number, Hosted>();
  private readonly directory = new Map<number, DirectoryEntry>();
  private readonly slotOf = new Map<string, number>();
  private neighbours: Readonly<Record<number, readonly number[]>> = {};
  private cut: readonly (readonly number[])[] | null = null;
  private faults: FaultTable = { all: NO_LINK_FAULTS, links: [] };
  private params: DriftParams;
  private paused = false;
  /** The lab's speed: every node's period is divided by it (on top of its own clock skew). */
  private speed = 1;
  /** Dials by node and peer session: under way, and when to try again after failures. */
  private readonly dials: DialBook;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly init: PoolInit,
    private readonly launcher: NodeLauncher,
    private readonly notify: (notice: PoolNotice) => void,
  ) {
    this.params = init.params;
    this.dials = new DialBook(MAX_DIALS, init.maintainMs, MAX_BACKOFF_MS);
    this.timer = setInterval(() => this.maintain(), init.maintainMs);
    // On Node.js the maintenance timer alone must not keep the thread alive; a page has no unref.
    (this.timer as { unref?: () => void }).unref?.();
  }

  async handle<R extends PoolRequest>(req: R): Promise<PoolAnswer<R>> {
    return (await this.answer(req)) as PoolAnswer<R>;
  }

  private async answer(req: PoolRequest): Promise<unknown> {
    switch (req.op) {
      case 'start':
        return this.start(req.slot, req.initial, req.liar ?? null, req.maxShards ?? null);
      case 'revive':
        return this.revive(req.slot);
      case 'directory':
        this.setDirectory(req.entries);
        return null;
      case 'wiring':
        this.neighbours = req.neighbours;
        this.maintain();
        return null;
      case 'cut':
        this.cut = req.cut;
        this.dials.forgetFailures();
        this.applyCuts();
        this.maintain();
        return null;
      case 'kill':
        await Promise.all(req.slots.map((s) => this.kill(s, req.graceful)));
        return null;
      case 'freeze':
        for (const h of this.pick(req.slots)) this.freeze(h, req.on);
        return null;
      case 'skew':
        for (const h of this.pick(req.slots)) {
          h.skew = req.factor;
          this.applySkew(h);
        }
        return null;
      case 'speed':
        this.speed = req.factor;
        for (const h of this.hosted.values()) this.applySkew(h);
        return null;
      case 'faults':
        this.faults = req.table;
        for (const h of this.hosted.values()) this.applyFaults(h);
        return null;
      case 'liar':
        for (const h of this.pick(req.slots)) this.setLiar(h, req.behaviour);
        return null;
      case 'params':
        await this.setParams(req.slots, req.params);
        return null;
      case 'pause':
      case 'resume':
        this.paused = req.op === 'pause';
        for (const h of this.hosted.values()) if (!h.frozen) this.applyPause(h);
        return null;
      case 'step':
        await Promise.all(
          [...this.hosted.values()].map((h) => (h.frozen ? null : h.running?.scheduler.stepOnce())),
        );
        return null;
      case 'maintain':
        this.maintain();
        return null;
      case 'sample':
        return [...this.hosted.values()].map((h) => this.sample(h));
      case 'links':
        return this.links();
      case 'node-status': {
        const node = this.hosted.get(req.slot)?.running?.core;
        if (!node) throw new Error(`node ${req.slot} is not running`);
        return node.status();
      }
      case 'stop':
        await this.stop();
        return null;
    }
  }

  private pick(slots: readonly number[]): Hosted[] {
    return slots.flatMap((s) => this.hosted.get(s) ?? []);
  }

  private async start(
    slot: number,
    initial: readonly number[] | null,
    liar: LiarBehaviour | null,
    maxShards: number | null,
  ): Promise<DirectoryEntry> {
    if (this.hosted.has(slot)) throw new Error(`node ${slot} is already in this pool`);
    const seed = nodeSeed(this.init.seed, slot, -1);
    const genesis = initial ?? new Array<number>(this.params.dimensions).fill(0);
    const lies = seededRng(seed, 3);
    const h: Hosted = {
      slot,
      running: null,
      told: '',
      incarnation: 0,
      shaper: new LinkShaper(seededRng(seed, 2)),
      outbox: new LiarOutbox(lies),
      lies,
      skew: 1,
      frozen: false,
      genesis,
      join: initial === null,
      maxShards,
    };
    this.hosted.set(slot, h);
    this.setLiar(h, liar);
    return this.launch(h);
  }

  private async revive(slot: number): Promise<DirectoryEntry> {
    const h = this.hosted.get(slot);
    if (!h) throw new Error(`node ${slot} is not in this pool`);
    if (h.running) throw new Error(`node ${slot} is running`);
    h.incarnation++;
    h.frozen = false;
    h.shaper.freeze(false);
    const entry = await this.launch(h);
    const cycle = this.hosted.get(slot)?.running?.core.status().cycle ?? 0;
    this.report(slot, `revived from its store at cycle ${cycle}`);
    return entry;
  }

  /** Starts (or restarts) a hosted node and gives it the lab's current conditions. */
  private async launch(h: Hosted): Promise<DirectoryEntry> {
    const running = await this.launcher.launch({
      slot: h.slot,
      params: this.params,
      genesis: h.genesis,
      join: h.join,
      joinCycles: LAB_JOIN_CYCLES,
      seed: nodeSeed(this.init.seed, h.slot, h.incarnation),
      ...(h.maxShards === null ? {} : { maxShards: h.maxShards }),
      shaper: h.shaper,
      outbox: h.outbox,
      log: this.nodeLog(h.slot),
    });
    h.running = running;
    this.applySkew(h);
    this.applyPause(h);
    h.told = addressesOf(running).join(' ');
    const entry: DirectoryEntry = {
      slot: h.slot,
      kind: this.launcher.kind,
      peerId: running.core.sessionId,
      addresses: addressesOf(running),
    };
    this.directory.set(h.slot, entry);
    this.slotOf.set(entry.peerId, h.slot);
    // A browser node gains its address with its relay reservation, after the lab wired it.
    running.host.libp2p.addEventListener('self:peer:update', () => this.tellAddresses(h));
    this.applyCut(h);
    this.applyFaults(h);
    return entry;
  }

  private tellAddresses(h: Hosted): void {
    const running = h.running;
    if (!running) return;
    const now = addressesOf(running);
    if (now.join(' ') === h.told) return;
    h.told = now.join(' ');
    this.notify({ type: 'addresses', slot: h.slot, addresses: now });
  }

  private async kill(slot: number, graceful: boolean): Promise<void> {
    const h = this.hosted.get(slot);
    const running = h?.running;
    if (!h || !running) return;
    h.running = null;
    if (!graceful) await running.crash();
    await running.core.stop();
  }

  private freeze(h: Hosted, on: boolean): void {
    h.frozen = on;
    h.shaper.freeze(on);
    if (on) h.running?.scheduler.pause();
    else this.applyPause(h);
  }

  /** A liar tells lies through its outbox; a garbage liar's frames are replaced by its shaper. */
  private setLiar(h: Hosted, liar: LiarBehaviour | null): void {
    h.outbox.set(liar);
    h.shaper.corrupt(liar?.kind === 'garbage' ? () => garbageBody(h.lies) : null);
  }

  private applySkew(h: Hosted): void {
    h.running?.scheduler.setSkew(h.skew / this.speed);
  }

  private applyPause(h: Hosted): void {
    if (this.paused) h.running?.core.pause();
    else h.running?.core.resume();
  }

  private async setParams(slots: readonly number[] | null, patch: Partial<DriftParams>) {
    if (slots === null) this.params = resolveParams(patch, this.params);
    const targets = slots === null ? [...this.hosted.values()] : this.pick(slots);
    await Promise.all(targets.map((h) => h.running?.core.setParams(patch)));
  }

  private setDirectory(entries: readonly DirectoryEntry[]): void {
    this.dials.forgetFailures();
    this.directory.clear();
    this.slotOf.clear();
    for (const e of entries) {
      this.directory.set(e.slot, e);
      this.slotOf.set(e.peerId, e.slot);
    }
    this.applyCuts();
    for (const h of this.hosted.values()) this.applyFaults(h);
    this.maintain();
  }

  private isCut(a: number, b: number): boolean {
    return this.cut?.[a]?.includes(b) ?? false;
  }

  private applyCuts(): void {
    for (const h of this.hosted.values()) this.applyCut(h);
  }

  /** Both ends of a cut link refuse it and hang up: a partition made of real refusals. */
  private applyCut(h: Hosted): void {
    const host = h.running?.host;
    if (!host) return;
    const cutIds = (this.cut?.[h.slot] ?? []).flatMap((s) => this.directory.get(s)?.peerId ?? []);
    host.gater.setCut(cutIds);
    for (const c of host.libp2p.getConnections()) {
      if (host.gater.isCut(c.remotePeer.toString()))
        c.close().catch(() => c.abort(new Error('cut')));
    }
  }

  private applyFaults(h: Hosted): void {
    h.shaper.setDefault(this.faults.all);
    for (const e of this.directory.values()) h.shaper.setPeer(e.peerId, null);
    for (const [a, b, f] of this.faults.links) {
      const other = a === h.slot ? b : b === h.slot ? a : null;
      const peer = other === null ? undefined : this.directory.get(other)?.peerId;
      if (peer) h.shaper.setPeer(peer, f);
    }
  }

  /** Dials every missing topology link this pool's nodes should hold (see dials()). */
  private maintain(): void {
    const now = performance.now();
    for (const h of this.hosted.values()) {
      const host = h.running?.host;
      if (!host || h.frozen) continue;
      const connected = new Set(host.libp2p.getConnections().map((c) => c.remotePeer.toString()));
      for (const j of this.neighbours[h.slot] ?? []) {
        if (this.isCut(h.slot, j)) continue;
        const entry = this.directory.get(j);
        if (!entry || connected.has(entry.peerId) || !dials(this.launcher.kind, h.slot, entry))
          continue;
        // None yet: a browser node before its relay reservation (its pool reports it then).
        const address = bestAddress(entry.addresses, (a) => host.dialable(a));
        if (address === undefined) continue;
        const key = `${h.slot}-${entry.peerId}`;
        if (!this.dials.mayDial(key, now)) continue;
        this.dials.started(key);
        host.libp2p.dial(multiaddr(address)).then(
          () => this.dials.succeeded(key),
          // Refused (a peer that denied this node), gone, or past the host's dial timeout.
          () => this.dials.failedAt(key, performance.now()),
        );
      }
    }
  }

  private sample(h: Hosted): NodeSample {
    const node = h.running?.core;
    if (!node) return deadSample(h, this.launcher.kind);
    const state = node.state();
    const traffic = node.traffic();
    return {
      slot: h.slot,
      kind: this.launcher.kind,
      condition: h.frozen ? 'frozen' : 'up',
      liar: h.outbox.behaviour?.kind ?? null,
      cycle: node.joined ? node.status().cycle : 0,
      S: state.S,
      D: state.D,
      earned: state.earned,
      peers: node.sessionPeers().flatMap((p) => this.slotOf.get(p) ?? []),
      ...traffic,
      interventions: node.interventions(),
      ...(state.holds ? { holds: state.holds } : {}),
      ...(h.maxShards === null ? {} : { maxShards: h.maxShards }),
    };
  }

  /** This pool's nodes' open connections to lab nodes: the end that holds each, and the link. */
  private links(): PoolLink[] {
    const out: PoolLink[] = [];
    for (const h of this.hosted.values()) {
      for (const c of h.running?.host.libp2p.getConnections() ?? []) {
        const other = this.slotOf.get(c.remotePeer.toString());
        if (other !== undefined && c.status === 'open')
          out.push({
            from: h.slot,
            link: [Math.min(h.slot, other), Math.max(h.slot, other)],
            transport: transportOf(c.remoteAddr.toString()),
          });
      }
    }
    return out;
  }

  private report(slot: number, what: string): void {
    this.notify({ type: 'node', slot, what });
  }

  private nodeLog(slot: number): NodeLog {
    const quiet = () => undefined;
    return {
      debug: quiet,
      info: quiet,
      warn: (msg) => this.report(slot, msg),
      error: (msg) => this.report(slot, msg),
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(
      [...this.hosted.values()].map(async (h) => {
        const node = h.running?.core;
        h.running = null;
        await node?.stop();
      }),
    );
  }
}

/** A 32-bit seed per slot and incarnation (-1: the pool's own streams for that slot). */
function nodeSeed(labSeed: number, slot: number, incarnation: number): number {
  return (labSeed ^ Math.imul(slot + 1, 0x9e3779b1) ^ Math.imul(incarnation + 2, 0x85ebca6b)) | 0;
}

/**
 * Whether the end at `slot`, of kind `kind`, dials its link to `other`: a browser node dials a
 * Node.js one (which could reach it only through a relay); of two of a kind, the lower slot.
 */
export function dials(kind: NodeKind, slot: number, other: DirectoryEntry): boolean {
  if (kind !== other.kind) return kind === 'browser';
  return slot < other.slot;
}

/**
 * The address to dial among a peer's: WebRTC first (direct, where both are browsers), then a
 * direct TCP one, then WebSockets, a plain relayed one last. Undefined when none is dialable.
 */
export function bestAddress(
  addresses: readonly string[],
  dialable: (addr: string) => boolean,
): string | undefined {
  const rank = (a: string) =>
    isWebRtcAddr(a) ? 0 : isRelayedOnly(a) ? 3 : isWebSocketAddr(a) ? 2 : 1;
  return addresses.filter(dialable).sort((a, b) => rank(a) - rank(b))[0];
}

function addressesOf(running: PoolNode): string[] {
  return running.host.addresses().map((a) => a.toString());
}

function deadSample(h: Hosted, kind: NodeKind): NodeSample {
  return {
    slot: h.slot,
    kind,
    condition: 'dead',
    liar: h.outbox.behaviour?.kind ?? null,
    cycle: 0,
    S: [],
    D: [],
    earned: 0,
    peers: [],
    framesOut: 0,
    framesIn: 0,
    bytesOut: 0,
    bytesIn: 0,
    interventions: countsByRule(emptyCounts()),
    ...(h.maxShards === null ? {} : { maxShards: h.maxShards }),
  };
}
