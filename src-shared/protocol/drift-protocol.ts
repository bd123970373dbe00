import {
  TypedEventEmitter,
  type Connection,
  type Libp2p,
  type PeerId,
  type Stream,
  type StreamCloseEvent,
  type StreamMessageEvent,
} from '@libp2p/interface';
import { unrefTimer } from '../timers';
import {
  PROTOCOL_ID,
  PROTOCOL_VERSION,
  checkDriftMessage,
  checkHello,
  helloMismatch,
  type EntropyPacket,
  type Hello,
  type StateDiffMessage,
} from './messages';
import { MAX_FRAME_BYTES, decodeBody, encodeCycleBody, encodeFrame, frameBytes } from './codec';
import { FrameReader } from './frame-reader';
import type { FrameShaper } from './link-shaper';
import {
  PenaltyBook,
  PeerRecord,
  TokenBucket,
  type BadFrameCategory,
  type Received,
  type SessionCounters,
} from './session';
import { namedErrorMessage } from '../error-message';

/*
 * The drift protocol /lvs/drift/1.0.0 over a libp2p host: one long-lived stream per peer,
 * opened by whoever dialled the connection; HELLO first; then EP and SDM frames, each checked
 * before it touches anything. docs/protocol.md has the rules; this file is their one
 * implementation. Nothing a peer sends can throw past the stream's event handlers, and nothing
 * is buffered per peer beyond one frame.
 */

export interface DriftProtocolOptions {
  /** This node's dimension d; a peer with another d is refused. */
  readonly dimensions: number;
  /** K, the shards the state is split into (docs/shards.md; default 1). A peer with another K is refused. */
  readonly shards?: number;
  /** K > 1: the shards this node holds, sent in the HELLO of every stream it opens or accepts. */
  readonly holdings?: () => readonly number[];
  /**
   * K > 1: the most shards this node will hold, 1..K (default K); sent in HELLO (field 6) when
   * below K, so that peers do not ask it to adopt once it is full.
   */
  readonly maxShards?: number;
  /** This node's cycle period (ms), sent in HELLO. */
  readonly cycleMs: number;
  /** Frames a peer may send per cycle of its own (its HELLO's cycleMs), on average. */
  readonly framesPerCycle?: number;
  /** Bucket depth, in cycles' worth of frames: how much a burst may exceed the average. */
  readonly burstCycles?: number;
  /** Rate-limit floor: a peer's cycle counts as at least this long (default cycleMs / 4). */
  readonly minPeerCycleMs?: number;
  /**
   * The longest peer cycle this node believes, for its rate limit and its silence limit alike: a
   * HELLO claiming more is accepted and counted as this (default: the larger of 8 cycleMs and
   * 10 s). The claim is the peer's word; how long it may stay silent is this node's decision.
   */
  readonly maxPeerCycleMs?: number;
  /** An SDM is fresh for this many cycles after it arrives. */
  readonly freshCycles?: number;
  /** Bad frames within `badFrameWindowMs` after which a peer is disconnected and denied. */
  readonly badFrameLimit?: number;
  readonly badFrameWindowMs?: number;
  /** How long a disconnected offender is refused (its dials and ours). */
  readonly denyMs?: number;
  /** A stream whose HELLO has not arrived by then is closed. */
  readonly helloTimeoutMs?: number;
  /**
   * A session that receives no accepted frame for this long is closed (0: never), and never
   * sooner than `idleCycles` of the slower side's cycle (its HELLO's cycleMs, at most
   * maxPeerCycleMs, or this node's). Silence is measured on this node's clock.
   */
  readonly idleTimeoutMs?: number;
  /** Cycles of silence a session is always allowed (see idleTimeoutMs). */
  readonly idleCycles?: number;
  /** Bytes queued on a stream above which new frames for that peer are dropped. */
  readonly maxWriteBufferBytes?: number;
  /** Network faults on outgoing frames (a lab); absent: frames go out as they are. */
  readonly shaper?: FrameShaper;
  /** Called for every bad frame; the node lowers the peer's TC (NodeDrift.penalise). */
  readonly onPenalty?: (peerId: string, reason: string) => void;
  /** One line per notable event (refusals, bad frames, disconnections). */
  readonly log?: (line: string) => void;
  readonly now?: () => number;
}

export const DRIFT_DEFAULTS = {
  framesPerCycle: 4,
  burstCycles: 2,
  freshCycles: 3,
  badFrameLimit: 10,
  denyMs: 10 * 60_000,
  helloTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  // Four periods of a peer in low-power mode (four times its cycle): a node whose cycle is long,
  // or a laptop on battery, is slow, not gone.
  idleCycles: 16,
  maxWriteBufferBytes: 64 * 1024,
} as const;

/**
 * Default maxPeerCycleMs: eight of this node's cycles (a peer configured with twice this node's
 * cycle and in low-power mode, which runs four times slower), and never under 10 s, so a node with
 * a short cycle (a lab's 100 ms) still believes a personal node's cycle of a few seconds.
 */
export function defaultMaxPeerCycleMs(cycleMs: number): number {
  return Math.max(8 * cycleMs, 10_000);
}

/** What the protocol needs of a host: the libp2p node, and a deny list its gater honours. */
export interface DriftHost {
  readonly libp2p: Libp2p;
  readonly gater: { deny(peerId: string, ms: number): void; isDenied(peerId: string): boolean };
}

export interface SessionInfo {
  readonly peerId: string;
  readonly remoteAddr: string;
  /** Who opened the stream in use: this node's id or the peer's. */
  readonly opener: string;
  readonly hello: Hello | undefined;
  readonly sdm: Received<StateDiffMessage> | undefined;
  /** Whether that SDM is still fresh (see PeerRecord.freshSdm). */
  readonly sdmFresh: boolean;
  readonly ep: Received<EntropyPacket> | undefined;
  readonly counters: SessionCounters;
  /** Bytes the frame reader holds right now. */
  readonly bufferedBytes: number;
  /** When the newest accepted frame (HELLO, EP, SDM, cycle) arrived: where silence counts from. */
  readonly lastFrameAt: number;
  /** When the newest useful frame (an EP or SDM that was kept) arrived; none yet: undefined. */
  readonly lastUsefulAt: number | undefined;
}

export interface SessionEnd {
  readonly peerId: string;
  readonly reason: string;
}

export interface BadFrame extends SessionEnd {
  readonly category: BadFrameCategory;
}

export interface DriftProtocolEvents {
  /** A peer's HELLO was accepted: frames now flow both ways. */
  'session:open': CustomEvent<SessionInfo>;
  'session:close': CustomEvent<SessionEnd & { readonly counters: SessionCounters }>;
  /** A peer was refused (another dimension or version, or it does not speak the protocol). */
  'session:refused': CustomEvent<SessionEnd>;
  'frame:bad': CustomEvent<BadFrame>;
  /** A peer reached the bad-frame limit: disconnected and denied until `until` (ms). */
  'peer:denied': CustomEvent<SessionEnd & { readonly until: number }>;
  /** An accepted EP or SDM (already stored as the peer's newest). */
  message: CustomEvent<{
    readonly peerId: string;
    readonly message: EntropyPacket | StateDiffMessage;
  }>;
}

interface Channel {
  readonly stream: Stream;
  readonly connection: Connection;
  readonly opener: string;
  readonly reader: FrameReader;
  readonly openedAt: number;
  helloIn: boolean;
  closed: boolean;
  /** When it closed (ms); a relayed channel may close before its direct successor opens. */
  closedAt?: number;
}

interface Session {
  readonly peerId: string;
  readonly peer: PeerId;
  readonly record: PeerRecord;
  readonly bucket: TokenBucket;
  channel: Channel;
  open: boolean;
  ended: boolean;
  /** This node's clock at the newest accepted frame (or the stream's start, before any). */
  lastFrameAt: number;
  lastUsefulAt: number | undefined;
}

/** Of two streams to one peer, the one both ends keep: the lower opener's, or the newer. */
export function preferredOpener(a: string, b: string): 'first' | 'second' {
  if (a === b) return 'second';
  return a < b ? 'first' : 'second';
}

export class DriftProtocol extends TypedEventEmitter<DriftProtocolEvents> {
  private readonly o: Required<
    Omit<DriftProtocolOptions, 'onPenalty' | 'log' | 'shaper' | 'shards' | 'holdings' | 'maxShards'>
  > &
    Pick<DriftProtocolOptions, 'onPenalty' | 'shaper' | 'holdings'>;
  /** K: 1 keeps the compact cycle frame; above 1 a node sends an EP and an SDM per held shard. */
  private readonly K: number;
  private readonly hello: Hello;
  private readonly penalties: PenaltyBook;
  private readonly live = new Map<string, Session>();
  private host: DriftHost | undefined;
  private selfId = '';
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Whether the shaper froze this node at the last sweep (a thaw restarts silence clocks). */
  private wasFrozen = false;
  private readonly total = { framesOut: 0, framesIn: 0, bytesOut: 0, bytesIn: 0 };
  private readonly userLog: ((line: string) => void) | undefined;
  private logLine: (line: string) => void;

  constructor(options: DriftProtocolOptions) {
    super();
    const cycleMs = options.cycleMs;
    this.o = {
      ...DRIFT_DEFAULTS,
      minPeerCycleMs: cycleMs / 4,
      maxPeerCycleMs: defaultMaxPeerCycleMs(cycleMs),
      // A hundred cycles: a peer sending a bad frame every cycle reaches the limit well inside
      // the window even when a loaded machine runs its cycles at a fraction of their rate (ten
      // cycles was exactly its rate: one late cycle, and it escaped).
      badFrameWindowMs: 100 * cycleMs,
      now: Date.now,
      // K > 1: an EP and up to K SDMs a cycle, with today's margin of the compact frame's rate.
      ...(options.shards !== undefined && options.shards > 1
        ? { framesPerCycle: DRIFT_DEFAULTS.framesPerCycle + options.shards }
        : {}),
      ...options,
    };
    this.K = options.shards ?? 1;
    const hello = {
      kind: 'hello',
      version: PROTOCOL_VERSION,
      dimensions: options.dimensions,
      cycleMs,
      ...(this.K > 1 ? { shards: this.K } : {}),
      // K = 1 never sends it (its HELLO stays the one before shards), nor does a node with no cap.
      ...(this.K > 1 && options.maxShards !== undefined && options.maxShards < this.K
        ? { maxShards: options.maxShards }
        : {}),
    };
    const checked = checkHello(hello);
    if (!checked.ok) throw new RangeError(`drift protocol: ${checked.reason}`);
    this.hello = checked.value;
    this.penalties = new PenaltyBook(this.o.badFrameLimit, this.o.badFrameWindowMs);
    this.userLog = options.log;
    this.logLine = options.log ?? (() => undefined);
  }

  /** Registers the protocol on a started host and opens streams on its outbound connections. */
  async start(host: DriftHost): Promise<void> {
    if (this.host) throw new Error('drift protocol: already started');
    this.host = host;
    this.selfId = host.libp2p.peerId.toString();
    if (!this.userLog) {
      const log = host.libp2p.logger.forComponent('lvs:drift');
      this.logLine = (line) => log(line);
    }
    // Relayed connections (circuit relay v2) are "limited": libp2p keeps protocols off them
    // unless asked. The drift session runs on them until a direct connection replaces them.
    await host.libp2p.handle(PROTOCOL_ID, (stream, connection) => this.attach(stream, connection), {
      maxInboundStreams: 1,
      maxOutboundStreams: 1,
      runOnLimitedConnection: true,
    });
    host.libp2p.addEventListener('connection:open', this.onConnectionOpen);
    for (const c of host.libp2p.getConnections()) this.openOn(c);
    const sweepMs = Math.max(
      50,
      Math.min(this.o.helloTimeoutMs, this.o.idleTimeoutMs || Infinity) / 4,
    );
    this.timer = setInterval(() => this.sweep(), sweepMs);
    unrefTimer(this.timer);
  }

  /** Closes every session and unregisters the protocol. The host stays up. */
  async stop(): Promise<void> {
    const host = this.host;
    if (!host) return;
    clearInterval(this.timer);
    this.o.shaper?.clear();
    host.libp2p.removeEventListener('connection:open', this.onConnectionOpen);
    for (const s of [...this.live.values()]) this.end(s, 'protocol stopped', true);
    this.host = undefined;
    await host.libp2p.unhandle(PROTOCOL_ID).catch(() => undefined);
  }

  /**
   * Sends an EP or SDM to every open session; returns how many it was queued for. Throws if the
   * message would not pass the receivers' checks (a bug in the caller, not a network fault).
   */
  broadcast(message: EntropyPacket | StateDiffMessage): number {
    this.mustPass(message);
    return this.sendToAll(encodeFrame(message));
  }

  /**
   * Sends a cycle's EP and SDM to every open session in one compact cycle frame (what a node
   * does; codec.ts has the layout: S exact, the weight as float32, the entropy, which must be the
   * applied entropy F inside the unit ball, to 1/127, no timestamp).
   */
  broadcastCycle(ep: EntropyPacket, sdm: StateDiffMessage): number {
    this.mustPass(ep);
    this.mustPass(sdm);
    return this.sendToAll(frameBytes(encodeCycleBody(ep, sdm)));
  }

  /**
   * Sends a cycle's EP and SDM to one peer, if its session is open (a node that tells its peers
   * different things: a lab's liar). Throws, as broadcastCycle does, for a message that would
   * not pass the receiver's checks.
   */
  sendCycleTo(peerId: string, ep: EntropyPacket, sdm: StateDiffMessage): boolean {
    this.mustPass(ep);
    this.mustPass(sdm);
    const s = this.live.get(peerId);
    return s !== undefined && s.open && this.sendShaped(s, frameBytes(encodeCycleBody(ep, sdm)));
  }

  /**
   * K > 1: sends a cycle's EP and one SDM per held shard to every open session, each its own
   * protobuf frame (the compact cycle frame is the whole state's, K = 1 only; docs/protocol.md).
   */
  broadcastShards(ep: EntropyPacket, sdms: readonly StateDiffMessage[]): number {
    this.mustPass(ep);
    for (const sdm of sdms) this.mustPass(sdm);
    const frames = [ep, ...sdms].map((m) => encodeFrame(m));
    let sent = 0;
    for (const s of this.live.values()) {
      if (!s.open) continue;
      for (const f of frames) if (this.sendShaped(s, f)) sent++;
    }
    return sent;
  }

  /**
   * K > 1: sends a cycle's EP and one SDM per held shard to one peer, if its session is open,
   * each its own frame as broadcastShards sends them (a node that tells its peers different
   * things: a lab's liar). Throws, as its siblings do, for a message that would not pass the
   * receiver's checks.
   */
  sendShardsTo(peerId: string, ep: EntropyPacket, sdms: readonly StateDiffMessage[]): boolean {
    this.mustPass(ep);
    for (const sdm of sdms) this.mustPass(sdm);
    const s = this.live.get(peerId);
    if (s === undefined || !s.open) return false;
    let sent = false;
    for (const m of [ep, ...sdms]) if (this.sendShaped(s, encodeFrame(m))) sent = true;
    return sent;
  }

  /** The newest SDM of one shard a peer sent (undefined: none yet, or no such session). */
  newestShardSdm(peerId: string, shard: number): StateDiffMessage | undefined {
    return this.live.get(peerId)?.record.newestOf(shard);
  }

  /** K: the shards this protocol's HELLO announces (1: the compact cycle frame). */
  get shards(): number {
    return this.K;
  }

  /** K > 1: the fresh SDM of every shard of every open session, for the drift cycle. */
  freshShardSdms(): Array<{ readonly peerId: string; readonly sdms: StateDiffMessage[] }> {
    const now = this.o.now();
    const out: Array<{ peerId: string; sdms: StateDiffMessage[] }> = [];
    for (const s of this.live.values()) {
      if (!s.open) continue;
      out.push({
        peerId: s.peerId,
        sdms: s.record.freshShardSdms(now, this.hello.cycleMs, this.o.freshCycles),
      });
    }
    return out;
  }

  /** Frames and bytes sent and received since start, over every session that ever was. */
  traffic(): { framesOut: number; framesIn: number; bytesOut: number; bytesIn: number } {
    return { ...this.total };
  }

  private mustPass(message: EntropyPacket | StateDiffMessage): void {
    const v = checkDriftMessage(message, this.hello.dimensions, this.K);
    if (!v.ok)
      throw new TypeError(`drift protocol: not sending an invalid ${message.kind}: ${v.reason}`);
  }

  private sendToAll(bytes: Uint8Array): number {
    let sent = 0;
    for (const s of this.live.values()) if (s.open && this.sendShaped(s, bytes)) sent++;
    return sent;
  }

  /** Sends through the shaper, if any: true when the frame was sent or handed to it. */
  private sendShaped(s: Session, bytes: Uint8Array): boolean {
    if (this.frozen) return false;
    const shaper = this.o.shaper;
    if (!shaper) return this.send(s, s.channel, bytes);
    // The channel is looked up at delivery: a delayed frame goes on the stream then in use.
    shaper.route(s.peerId, bytes, (b) => {
      if (!s.ended && !this.frozen) this.send(s, s.channel, b);
    });
    return true;
  }

  /** A snapshot of every session (open or awaiting HELLO). */
  sessions(): SessionInfo[] {
    return [...this.live.values()].map((s) => this.info(s));
  }

  /** The fresh SDM of every open session, for the drift cycle. */
  freshSdms(): Array<{ readonly peerId: string; readonly sdm: StateDiffMessage }> {
    const now = this.o.now();
    const out: Array<{ peerId: string; sdm: StateDiffMessage }> = [];
    for (const s of this.live.values()) {
      const sdm = s.open
        ? s.record.freshSdm(now, this.hello.cycleMs, this.o.freshCycles)
        : undefined;
      if (sdm) out.push({ peerId: s.peerId, sdm });
    }
    return out;
  }

  private info(s: Session): SessionInfo {
    const c = s.record.counters;
    c.maxBufferedBytes = Math.max(c.maxBufferedBytes, s.channel.reader.highWater);
    const now = this.o.now();
    return {
      peerId: s.peerId,
      remoteAddr: s.channel.connection.remoteAddr.toString(),
      opener: s.channel.opener,
      hello: s.record.hello,
      sdm: s.record.sdm,
      sdmFresh: s.record.freshSdm(now, this.hello.cycleMs, this.o.freshCycles) !== undefined,
      ep: s.record.ep,
      counters: { ...c, badFrames: { ...c.badFrames }, dropped: { ...c.dropped } },
      bufferedBytes: s.channel.reader.bufferedBytes,
      lastFrameAt: s.lastFrameAt,
      lastUsefulAt: s.lastUsefulAt,
    };
  }

  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    const connection = evt.detail;
    // A connection whose handshake passed the gater just before its peer was denied (or cut)
    // opens afterwards: close it, so a denial leaves no connection behind, not only no stream.
    if (this.host?.gater.isDenied(connection.remotePeer.toString())) {
      connection.close().catch(() => connection.abort(new Error('denied')));
      return;
    }
    this.openOn(connection);
  };

  /** Whoever dialled a connection opens the drift stream on it. */
  private openOn(connection: Connection): void {
    if (connection.direction !== 'outbound') return;
    // A second connection to a peer whose session runs on an open one gets no stream, unless it
    // is direct and the session's is relayed: such a connection is often short-lived (an AutoNAT
    // dial-back, closed by its dialler a moment later) and would take the session with it.
    const live = this.live.get(connection.remotePeer.toString());
    if (
      live &&
      !live.ended &&
      live.channel.connection !== connection &&
      live.channel.connection.status === 'open' &&
      !(live.channel.connection.limits !== undefined && connection.limits === undefined)
    )
      return;
    const signal = AbortSignal.timeout(this.o.helloTimeoutMs);
    connection
      .newStream(PROTOCOL_ID, { signal, runOnLimitedConnection: true })
      .then((stream) => this.attach(stream, connection))
      .catch((err: unknown) => {
        if (!this.host || connection.status !== 'open') return;
        const peerId = connection.remotePeer.toString();
        const reason = `could not open ${PROTOCOL_ID}: ${namedErrorMessage(err)}`;
        // Both ends dialled at once and the peer already closed this duplicate: nothing to report.
        if (this.live.has(peerId)) {
          this.logLine(`second stream to ${peerId} not needed: ${reason}`);
          return;
        }
        this.logLine(`refused ${peerId}: ${reason}`);
        this.safeDispatchEvent('session:refused', { detail: { peerId, reason } });
      });
  }

  /** Takes a new stream (ours or the peer's) and keeps one per peer. */
  private attach(stream: Stream, connection: Connection): void {
    const host = this.host;
    const peerId = connection.remotePeer.toString();
    if (!host || host.gater.isDenied(peerId)) {
      stream.abort(new Error('denied'));
      if (host) connection.close().catch(() => connection.abort(new Error('denied')));
      return;
    }
    const now = this.o.now();
    const channel: Channel = {
      stream,
      connection,
      opener: stream.direction === 'outbound' ? this.selfId : peerId,
      reader: new FrameReader(MAX_FRAME_BYTES),
      openedAt: now,
      helloIn: false,
      closed: false,
    };
    let s = this.live.get(peerId);
    if (s && !s.ended) {
      // A direct connection beats a relayed one (whose relay limits its bytes and time), on both
      // ends alike; between two of one kind, the opener rule decides.
      const oldLimited = s.channel.connection.limits !== undefined;
      const newLimited = connection.limits !== undefined;
      const keepNew =
        oldLimited !== newLimited
          ? oldLimited
          : preferredOpener(s.channel.opener, channel.opener) === 'second';
      const reason =
        oldLimited !== newLimited
          ? 'duplicate stream: kept the one on the direct connection'
          : `duplicate stream: kept the one opened by ${keepNew ? channel.opener : s.channel.opener}`;
      if (!keepNew) {
        this.closeChannel(channel, reason);
        return;
      }
      const old = s.channel;
      s.channel = channel;
      this.closeChannel(old, reason);
    } else {
      const record = new PeerRecord();
      const bucket = new TokenBucket(this.rateFor(undefined), this.burst(), now);
      s = {
        peerId,
        peer: connection.remotePeer,
        record,
        bucket,
        channel,
        open: false,
        ended: false,
        lastFrameAt: now,
        lastUsefulAt: undefined,
      };
      this.live.set(peerId, s);
    }
    const session = s;
    stream.addEventListener('message', (evt: StreamMessageEvent) =>
      this.onData(session, channel, evt.data),
    );
    stream.addEventListener('close', (evt: StreamCloseEvent) => {
      const why = evt.error
        ? namedErrorMessage(evt.error)
        : evt.local
          ? 'closed here'
          : 'closed by the peer';
      this.onChannelClosed(session, channel, `stream ${why}`);
    });
    const holds = this.K > 1 ? this.o.holdings?.() : undefined;
    this.send(
      session,
      channel,
      encodeFrame(holds ? { ...this.hello, holds: [...holds] } : this.hello),
    );
  }

  /** The peer's cycle as this node counts it: its claim, within [minPeerCycleMs, maxPeerCycleMs]. */
  private peerCycleMs(hello: Hello | undefined): number {
    const claim = hello?.cycleMs ?? this.hello.cycleMs;
    return Math.min(Math.max(claim, this.o.minPeerCycleMs), this.o.maxPeerCycleMs);
  }

  private rateFor(hello: Hello | undefined): number {
    return this.o.framesPerCycle / this.peerCycleMs(hello);
  }

  private burst(): number {
    return this.o.framesPerCycle * this.o.burstCycles;
  }

  private onData(s: Session, ch: Channel, data: Uint8Array | StreamMessageEvent['data']): void {
    if (ch.closed || s.ended) return;
    try {
      s.record.counters.bytesIn += data.byteLength;
      this.total.bytesIn += data.byteLength;
      for (const ev of ch.reader.push(data)) {
        // Frozen: the frames are read off the stream (to keep its framing) but not looked at.
        if (this.frozen) continue;
        if (ev.type === 'frame') this.onFrame(s, ch, ev.body);
        else if (ev.type === 'oversize')
          this.bad(
            s,
            'oversize',
            `frame of ${ev.length} bytes is over the ${MAX_FRAME_BYTES}-byte limit`,
          );
        else {
          this.bad(s, 'framing', ev.reason);
          this.closeChannel(ch, ev.reason);
        }
        if (ch.closed || s.ended) break;
      }
    } catch (err) {
      // Unreachable by design; if it happens, the stream goes, never the node.
      this.logLine(`internal error on ${s.peerId}: ${namedErrorMessage(err)}`);
      this.closeChannel(ch, 'internal error');
    } finally {
      const c = s.record.counters;
      c.maxBufferedBytes = Math.max(c.maxBufferedBytes, ch.reader.highWater);
    }
  }

  private onFrame(s: Session, ch: Channel, body: Uint8Array): void {
    const now = this.o.now();
    s.record.counters.framesIn++;
    this.total.framesIn++;
    if (!s.bucket.take(now)) {
      const perSecond = Math.round(this.rateFor(s.record.hello) * 1000 * 10) / 10;
      this.bad(s, 'rate', `over the rate limit of ${perSecond} frames/s`);
      return;
    }
    const decoded = decodeBody(body, this.hello.dimensions);
    if (!decoded.ok) {
      this.bad(s, decoded.category, decoded.reason);
      return;
    }
    const raw = decoded.value as
      | { kind: 'hello' | 'ep' | 'sdm' }
      | { kind: 'cycle'; ep: { kind: 'ep' }; sdm: { kind: 'sdm' } };
    if (raw.kind === 'hello') {
      this.onHello(s, ch, raw);
      return;
    }
    if (!ch.helloIn) {
      const what = raw.kind === 'cycle' ? 'a cycle frame' : `an ${raw.kind.toUpperCase()}`;
      this.bad(s, 'hello-expected', `${what} came before HELLO`);
      this.closeChannel(ch, 'no HELLO first');
      return;
    }
    if (raw.kind !== 'cycle') {
      const v = this.check(s, raw);
      if (!v) return;
      // Accepted (it passed the rate limit and the checks): the peer is not silent. A bad or
      // over-rate frame does not count, or a trickle of garbage would hold a slot forever.
      s.lastFrameAt = now;
      const kept = v.kind === 'sdm' ? s.record.offerSdm(v, now) : s.record.offerEp(v, now);
      if (kept === 'kept') {
        s.lastUsefulAt = now;
        this.deliver(s, v);
      }
      return;
    }
    // Under K > 1 a cycle is an EP and an SDM per shard: a compact frame carries the whole
    // state, which no shard is, so it is refused for what it is (its SDM would fail on width).
    if (this.K > 1) {
      this.bad(
        s,
        'invalid',
        `a compact cycle frame under K = ${this.K} (K > 1 sends an SDM per shard)`,
      );
      return;
    }
    // A compact cycle frame: both halves pass their checks or the frame is refused whole. Its EP
    // carries no timestamp: it is stamped with its arrival and kept with its SDM, by cycle.
    const stamped: { kind: 'ep'; timestamp: number } = { ...raw.ep, timestamp: now };
    const ep = this.check(s, stamped);
    const sdm = ep && this.check(s, raw.sdm);
    if (!ep || !sdm || ep.kind !== 'ep' || sdm.kind !== 'sdm') return;
    s.lastFrameAt = now;
    if (s.record.offerCycle(ep, sdm, now) !== 'kept') return;
    s.lastUsefulAt = now;
    this.deliver(s, ep);
    this.deliver(s, sdm);
  }

  /** A decoded EP or SDM held to checkDriftMessage; a bad frame (and undefined) if it fails. */
  private check(s: Session, raw: { kind: string }): EntropyPacket | StateDiffMessage | undefined {
    const v = checkDriftMessage(raw, this.hello.dimensions, this.K);
    if (v.ok) return v.value;
    this.bad(s, 'invalid', `invalid ${raw.kind.toUpperCase()}: ${v.reason}`);
    return undefined;
  }

  private deliver(s: Session, message: EntropyPacket | StateDiffMessage): void {
    this.safeDispatchEvent('message', { detail: { peerId: s.peerId, message } });
  }

  private onHello(s: Session, ch: Channel, raw: unknown): void {
    if (ch.helloIn) {
      this.bad(s, 'hello-repeated', 'a second HELLO on one stream');
      return;
    }
    const v = checkHello(raw);
    if (!v.ok) {
      this.bad(s, 'invalid', `invalid HELLO: ${v.reason}`);
      this.closeChannel(ch, 'invalid HELLO');
      return;
    }
    const mismatch = helloMismatch(this.hello, v.value);
    if (mismatch !== null) {
      this.refuse(s, ch, mismatch);
      return;
    }
    ch.helloIn = true;
    s.lastFrameAt = this.o.now();
    s.record.hello = v.value;
    if (v.value.cycleMs > this.o.maxPeerCycleMs)
      this.logLine(
        `${s.peerId} claims a cycle of ${v.value.cycleMs} ms; counted as ${this.o.maxPeerCycleMs} ms (maxPeerCycleMs)`,
      );
    s.bucket.setRate(this.rateFor(v.value), this.burst());
    if (!s.open) {
      s.open = true;
      this.logLine(`session open with ${s.peerId}`);
      this.safeDispatchEvent('session:open', { detail: this.info(s) });
    }
  }

  /** Another dimension or version: say why, close the stream gracefully, then the connection. */
  private refuse(s: Session, ch: Channel, reason: string): void {
    this.logLine(`refused ${s.peerId}: ${reason}`);
    this.safeDispatchEvent('session:refused', { detail: { peerId: s.peerId, reason } });
    ch.closed = true;
    this.end(s, `refused: ${reason}`, true);
    void ch.stream
      .close({ signal: AbortSignal.timeout(2_000) })
      .catch(() => undefined)
      .finally(() => ch.connection.close().catch(() => undefined));
  }

  private bad(s: Session, category: BadFrameCategory, reason: string): void {
    s.record.counters.badFrames[category]++;
    this.logLine(`bad frame from ${s.peerId}: ${reason}`);
    this.safeDispatchEvent('frame:bad', { detail: { peerId: s.peerId, category, reason } });
    try {
      this.o.onPenalty?.(s.peerId, reason);
    } catch (err) {
      this.logLine(`onPenalty threw: ${namedErrorMessage(err)}`);
    }
    if (!s.ended && this.penalties.record(s.peerId, this.o.now())) this.punish(s);
  }

  /** Too many bad frames: deny the peer for a while and hang up on it. */
  private punish(s: Session): void {
    const host = this.host;
    if (!host) return;
    const reason = `${this.o.badFrameLimit} bad frames within ${this.o.badFrameWindowMs} ms`;
    const until = this.o.now() + this.o.denyMs;
    host.gater.deny(s.peerId, this.o.denyMs);
    this.penalties.forget(s.peerId);
    this.logLine(`disconnecting ${s.peerId}: ${reason}; denied for ${this.o.denyMs} ms`);
    this.safeDispatchEvent('peer:denied', { detail: { peerId: s.peerId, reason, until } });
    this.end(s, `disconnected: ${reason}`, true);
    host.libp2p.hangUp(s.peer).catch(() => undefined);
  }

  private send(s: Session, ch: Channel, bytes: Uint8Array): boolean {
    const stream = ch.stream;
    if (ch.closed || stream.writeStatus !== 'writable') return false;
    const c = s.record.counters;
    if (stream.writeBufferLength + bytes.byteLength > this.o.maxWriteBufferBytes) {
      c.dropped.backpressure++;
      return false;
    }
    try {
      stream.send(bytes);
    } catch (err) {
      this.closeChannel(ch, `send failed: ${namedErrorMessage(err)}`);
      return false;
    }
    c.framesOut++;
    c.bytesOut += bytes.byteLength;
    this.total.framesOut++;
    this.total.bytesOut += bytes.byteLength;
    return true;
  }

  private closeChannel(ch: Channel, reason: string): void {
    if (ch.closed) return;
    ch.closed = true;
    ch.stream.abort(new Error(reason));
    // The stream's close event ends the session if this was its channel.
    const s = this.live.get(ch.connection.remotePeer.toString());
    if (s && s.channel === ch) this.end(s, reason, false);
  }

  private onChannelClosed(s: Session, ch: Channel, reason: string): void {
    ch.closed = true;
    ch.closedAt = this.o.now();
    if (s.channel !== ch) return;
    // DCUtR closes the relayed connection as soon as its direct dial succeeds, often before the
    // drift stream on the direct connection is open: the session waits for that stream (one
    // HELLO timeout, see sweep) instead of ending and starting over.
    const direct = this.host?.libp2p
      .getConnections(s.peer)
      .some((c) => c.status === 'open' && c.limits === undefined);
    if (ch.connection.limits !== undefined && direct) {
      this.logLine(`relayed stream to ${s.peerId} closed; waiting for the direct one`);
      return;
    }
    this.end(s, reason, false);
  }

  /** Ends a session once; `abort` also aborts its stream. */
  private end(s: Session, reason: string, abort: boolean): void {
    if (s.ended) return;
    s.ended = true;
    if (this.live.get(s.peerId) === s) this.live.delete(s.peerId);
    if (abort && !s.channel.closed) {
      s.channel.closed = true;
      s.channel.stream.abort(new Error(reason));
    }
    if (s.open) {
      this.logLine(`session with ${s.peerId} closed: ${reason}`);
      const counters = this.info(s).counters;
      this.safeDispatchEvent('session:close', { detail: { peerId: s.peerId, reason, counters } });
    }
  }

  /** How long a session with this peer may stay silent before it is closed. */
  private idleLimitMs(peer: Hello | undefined): number {
    if (this.o.idleTimeoutMs <= 0) return Infinity;
    // The peer's claim counts only up to maxPeerCycleMs: a HELLO saying one hour does not buy
    // sixteen hours of silence in one of this node's slots.
    const slower = Math.max(this.hello.cycleMs, this.peerCycleMs(peer));
    return Math.max(this.o.idleTimeoutMs, this.o.idleCycles * slower);
  }

  /**
   * A node its shaper freezes (a lab's fault) neither sends nor answers: frames that arrive are
   * dropped unread, and it times no peer out, as a stopped process would.
   */
  private get frozen(): boolean {
    return this.o.shaper?.frozen === true;
  }

  /** One timer for all sessions: HELLO deadlines and silent peers. */
  private sweep(): void {
    const now = this.o.now();
    if (this.frozen) {
      this.wasFrozen = true;
      return;
    }
    // Thawed: the silence the node itself caused is not its peers' fault.
    if (this.wasFrozen) {
      this.wasFrozen = false;
      for (const s of this.live.values()) s.lastFrameAt = now;
    }
    for (const s of [...this.live.values()]) {
      if (s.channel.closed && now - (s.channel.closedAt ?? now) > this.o.helloTimeoutMs) {
        this.end(
          s,
          `relayed stream closed and no direct one within ${this.o.helloTimeoutMs} ms`,
          false,
        );
      } else if (!s.channel.helloIn && now - s.channel.openedAt > this.o.helloTimeoutMs) {
        this.closeChannel(s.channel, `no HELLO within ${this.o.helloTimeoutMs} ms`);
      } else if (s.open && now - s.lastFrameAt > this.idleLimitMs(s.record.hello)) {
        const reason = `silent for ${this.idleLimitMs(s.record.hello)} ms`;
        this.end(s, reason, true);
        s.channel.connection.close().catch(() => undefined);
      }
    }
  }
}
