import { NO_LINK_FAULTS, type LinkFaults } from '../api/lab-api';
import { unrefTimer } from '../timers';
import { frameBytes } from './codec';
import type { Rng } from '../random';

/*
 * Network faults for drift frames, injected where a node sends them (a lab's message loss,
 * delay, duplication and reordering). The receiver sees what a lossy network would give it:
 * frames missing, late, twice or out of order, and its own rules (newest SDM wins, duplicates
 * and older ones dropped) do the rest. Frames stay frames: nothing is cut mid-frame.
 */

/** Decides, frame by frame, what reaches one peer; `send` puts bytes on the peer's stream. */
export interface FrameShaper {
  route(peerId: string, bytes: Uint8Array, send: (bytes: Uint8Array) => void): void;
  /**
   * A frozen node's links carry nothing either way (a lab's "freeze", like a stopped process):
   * the protocol sends nothing, reads frames off the stream unlooked-at and times no peer out.
   */
  readonly frozen?: boolean;
  /** Forgets held frames and pending timers (the protocol stops). */
  clear(): void;
}

/** Faults for the whole node, overridden per peer. */
export class LinkShaper implements FrameShaper {
  private all: LinkFaults = NO_LINK_FAULTS;
  private readonly perPeer = new Map<string, LinkFaults>();
  /** One held-back frame per peer: it goes out after the peer's next frame. */
  private readonly held = new Map<string, Uint8Array>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private isFrozen = false;
  private garbage: (() => Uint8Array) | null = null;

  constructor(private readonly rng: Rng) {}

  /**
   * Replaces every frame the node sends with a frame of `body()` (a lab's garbage liar: frames
   * that decode to nothing, or to nonsense); null sends the node's own frames again.
   */
  corrupt(body: (() => Uint8Array) | null): void {
    this.garbage = body;
  }

  get frozen(): boolean {
    return this.isFrozen;
  }

  /** Freezes the node's links (frames held for delivery are dropped) or thaws them. */
  freeze(on: boolean): void {
    this.isFrozen = on;
    if (on) this.clear();
  }

  /** Faults for every peer without its own. */
  setDefault(faults: LinkFaults): void {
    this.all = faults;
  }

  /** Faults for one peer; null gives it the default again. */
  setPeer(peerId: string, faults: LinkFaults | null): void {
    if (faults) this.perPeer.set(peerId, faults);
    else this.perPeer.delete(peerId);
  }

  faultsFor(peerId: string): LinkFaults {
    return this.perPeer.get(peerId) ?? this.all;
  }

  route(peerId: string, frame: Uint8Array, send: (bytes: Uint8Array) => void): void {
    const bytes = this.garbage ? frameBytes(this.garbage()) : frame;
    const f = this.faultsFor(peerId);
    if (f.loss > 0 && this.rng.float() < f.loss) return;
    const copies = f.duplicate > 0 && this.rng.float() < f.duplicate ? 2 : 1;
    const held = this.held.get(peerId);
    if (!held && f.reorder > 0 && this.rng.float() < f.reorder) {
      this.held.set(peerId, bytes);
      return;
    }
    this.held.delete(peerId);
    const out = held ? [bytes, held] : [bytes];
    const delay = f.delayMs + (f.jitterMs > 0 ? this.rng.float() * f.jitterMs : 0);
    const deliver = () => {
      for (const b of out) for (let k = 0; k < copies; k++) send(b);
    };
    if (delay <= 0) {
      deliver();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      deliver();
    }, delay);
    unrefTimer(timer);
    this.timers.add(timer);
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.held.clear();
  }
}
