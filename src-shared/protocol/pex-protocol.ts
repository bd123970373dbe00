import {
  TypedEventEmitter,
  type Connection,
  type Libp2p,
  type Stream,
  type StreamMessageEvent,
} from '@libp2p/interface';
import {
  PEX_MAX_FRAME_BYTES,
  PEX_PROTOCOL_ID,
  decodePex,
  encodePex,
  type PexFault,
} from './peer-exchange';
import { frameBytes } from './codec';
import { FrameReader } from './frame-reader';
import { PenaltyBook } from './session';
import { namedErrorMessage } from '../error-message';
import { unrefTimer } from '../timers';

/*
 * The peer-exchange protocol /lvs/pex/1.0.0 on a libp2p host (docs/protocol.md): whoever opens a
 * stream asks; the other end answers with one frame (its own addresses, then a sample of its
 * book) and closes. Nothing else crosses the stream. It is the transport only: what to advertise
 * and what to do with what is learned are the caller's (the peer manager's), so the rules for the
 * address book stay in one place.
 *
 * Every fault costs the peer: the message is dropped, a `pex:bad` event lets the node lower the
 * peer's trust as a bad drift frame does, and `badLimit` faults within `badWindowMs` deny the peer
 * and hang up, through the same gater deny list the drift protocol uses.
 */

export interface PeerExchangeHost {
  readonly libp2p: Libp2p;
  readonly gater: { deny(peerId: string, ms: number): void };
}

export interface PeerExchangeOptions {
  /** What to tell a peer that asks: multiaddr texts, at most PEX_MAX_ADDRS. */
  readonly advertise: (peerId: string) => string[];
  /** What a peer told us, already checked; `source` is its remote address. */
  readonly learned: (peerId: string, source: string, addrs: readonly string[]) => void;
  /** A peer may ask at most once per this long (default 30 s); sooner is a fault. */
  readonly minAskIntervalMs?: number;
  /** How long an answer may take (default 10 s). */
  readonly answerTimeoutMs?: number;
  readonly badLimit?: number;
  readonly badWindowMs?: number;
  readonly denyMs?: number;
  readonly log?: (line: string) => void;
  readonly now?: () => number;
}

export const PEX_DEFAULTS = {
  minAskIntervalMs: 30_000,
  answerTimeoutMs: 10_000,
  badLimit: 3,
  badWindowMs: 10 * 60_000,
  denyMs: 10 * 60_000,
} as const;

export interface PexBad {
  readonly peerId: string;
  readonly fault: PexFault;
  readonly reason: string;
}

export interface PeerExchangeEvents {
  'pex:bad': CustomEvent<PexBad>;
  'pex:denied': CustomEvent<{ readonly peerId: string; readonly reason: string }>;
}

/** Peers whose last question is remembered at most (the oldest is forgotten first). */
const MAX_ASKERS = 4096;

export class PeerExchange extends TypedEventEmitter<PeerExchangeEvents> {
  private readonly o: Required<Omit<PeerExchangeOptions, 'log'>>;
  private readonly log: (line: string) => void;
  private readonly penalties: PenaltyBook;
  private readonly askedAt = new Map<string, number>();
  private host: PeerExchangeHost | undefined;
  private readonly counts = { asked: 0, answered: 0, learned: 0, faults: 0 };

  constructor(options: PeerExchangeOptions) {
    super();
    this.o = { ...PEX_DEFAULTS, now: Date.now, ...options };
    this.log = options.log ?? (() => undefined);
    this.penalties = new PenaltyBook(this.o.badLimit, this.o.badWindowMs);
  }

  async start(host: PeerExchangeHost): Promise<void> {
    this.host = host;
    // Allowed on relayed (limited) connections: a node behind NAT learns its peers there first.
    await host.libp2p.handle(
      PEX_PROTOCOL_ID,
      (stream, connection) => this.answer(stream, connection),
      {
        // One question at a time, and one more whose stream is still closing.
        maxInboundStreams: 2,
        maxOutboundStreams: 2,
        runOnLimitedConnection: true,
      },
    );
  }

  async stop(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    await host?.libp2p.unhandle(PEX_PROTOCOL_ID).catch(() => undefined);
  }

  /** Questions asked, answers given, addresses learned and faults seen since start. */
  stats(): { asked: number; answered: number; learned: number; faults: number } {
    return { ...this.counts };
  }

  /** Asks the peer on `connection` for addresses; resolves with how many it sent (0 on a fault). */
  async ask(connection: Connection): Promise<number> {
    if (!this.host || connection.status !== 'open') return 0;
    const peerId = connection.remotePeer.toString();
    const source = connection.remoteAddr.toString();
    this.counts.asked++;
    let stream: Stream;
    try {
      stream = await connection.newStream(PEX_PROTOCOL_ID, {
        signal: AbortSignal.timeout(this.o.answerTimeoutMs),
        runOnLimitedConnection: true,
      });
    } catch (err) {
      // A peer that does not speak peer exchange (or is gone) is not at fault.
      this.log(`peer exchange: could not ask ${peerId}: ${namedErrorMessage(err)}`);
      return 0;
    }
    return new Promise<number>((resolve) => {
      const reader = new FrameReader(PEX_MAX_FRAME_BYTES);
      let done = false;
      const finish = (n: number, failure?: { fault: PexFault; reason: string }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (failure) {
          stream.abort(new Error(failure.reason));
          this.fault(peerId, failure.fault, failure.reason);
        } else {
          closeOrAbort(stream);
        }
        resolve(n);
      };
      const timer = setTimeout(
        () =>
          finish(0, { fault: 'timeout', reason: `no answer within ${this.o.answerTimeoutMs} ms` }),
        this.o.answerTimeoutMs,
      );
      unrefTimer(timer);
      // The answer is one frame: once it is whole, the question is over. Bytes after it in the
      // same delivery are a fault; later ones meet a closed stream.
      stream.addEventListener('message', (evt: StreamMessageEvent) => {
        if (done) return;
        let got: readonly string[] | undefined;
        for (const ev of reader.push(evt.data)) {
          if (got !== undefined)
            return finish(0, { fault: 'excess', reason: 'more than one frame in an answer' });
          if (ev.type === 'oversize')
            return finish(0, {
              fault: 'oversize',
              reason: `answer of ${ev.length} bytes is over the ${PEX_MAX_FRAME_BYTES}-byte limit`,
            });
          if (ev.type === 'fatal') return finish(0, { fault: 'undecodable', reason: ev.reason });
          const checked = decodePex(ev.body);
          if (!checked.ok) return finish(0, { fault: checked.fault, reason: checked.reason });
          got = checked.value;
        }
        if (got === undefined) return;
        if (reader.bufferedBytes > 0)
          return finish(0, { fault: 'excess', reason: 'more bytes after the answer' });
        this.counts.learned += got.length;
        try {
          this.o.learned(peerId, source, got);
        } catch (err) {
          this.log(
            `peer exchange: handling ${peerId}'s addresses failed: ${namedErrorMessage(err)}`,
          );
        }
        finish(got.length);
      });
      stream.addEventListener('close', () => finish(0));
    });
  }

  /** A peer asks: one frame, then close; too frequent a question is a fault. */
  private answer(stream: Stream, connection: Connection): void {
    const peerId = connection.remotePeer.toString();
    const now = this.o.now();
    const last = this.askedAt.get(peerId);
    this.askedAt.delete(peerId);
    this.askedAt.set(peerId, now);
    if (this.askedAt.size > MAX_ASKERS) {
      const oldest = this.askedAt.keys().next().value;
      if (oldest !== undefined) this.askedAt.delete(oldest);
    }
    if (last !== undefined && now - last < this.o.minAskIntervalMs) {
      stream.abort(new Error('asked too often'));
      this.fault(
        peerId,
        'rate',
        `asked again after ${now - last} ms (at most once per ${this.o.minAskIntervalMs} ms)`,
      );
      return;
    }
    // The asker sends nothing: any byte from it is a fault, and the stream goes.
    stream.addEventListener('message', () => {
      stream.abort(new Error('the asking side sends nothing'));
      this.fault(peerId, 'excess', 'sent data on a peer-exchange question');
    });
    let addrs: string[];
    try {
      addrs = this.o.advertise(peerId);
      stream.send(frameBytes(encodePex(addrs)));
    } catch (err) {
      this.log(`peer exchange: answering ${peerId} failed: ${namedErrorMessage(err)}`);
      stream.abort(new Error('no answer'));
      return;
    }
    this.counts.answered++;
    closeOrAbort(stream);
  }

  private fault(peerId: string, fault: PexFault, reason: string): void {
    this.counts.faults++;
    this.log(`bad peer-exchange message from ${peerId}: ${reason}`);
    this.safeDispatchEvent('pex:bad', { detail: { peerId, fault, reason } });
    if (!this.penalties.record(peerId, this.o.now())) return;
    const host = this.host;
    if (!host) return;
    this.penalties.forget(peerId);
    const why = `${this.o.badLimit} bad peer-exchange messages within ${this.o.badWindowMs} ms`;
    host.gater.deny(peerId, this.o.denyMs);
    this.log(`disconnecting ${peerId}: ${why}; denied for ${this.o.denyMs} ms`);
    this.safeDispatchEvent('pex:denied', { detail: { peerId, reason: why } });
    const conns = host.libp2p.getConnections().filter((c) => c.remotePeer.toString() === peerId);
    for (const c of conns) c.close().catch(() => c.abort(new Error('denied')));
  }
}

/** Closes gracefully if the other end lets it within a moment, else resets. */
function closeOrAbort(stream: Stream): void {
  stream
    .close({ signal: AbortSignal.timeout(2_000) })
    .catch(() => stream.abort(new Error('close timed out')));
}
