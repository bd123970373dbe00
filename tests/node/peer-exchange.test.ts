import type { Stream } from '@libp2p/interface';
import { describe, expect, it } from 'vitest';
import { type Host } from '../../src-main/node/p2p/host';
import { stoppedAfterEach } from '../helpers/hosts';
import { PeerExchange, type PexBad } from '../../src-shared/protocol/pex-protocol';
import { frameBytes } from '../../src-shared/protocol';
import {
  PEX_MAX_ADDRS,
  PEX_MAX_FRAME_BYTES,
  PEX_PROTOCOL_ID,
  encodePex,
} from '../../src-shared/protocol/peer-exchange';

/*
 * Peer exchange between real libp2p hosts on loopback: an honest answer arrives whole, and a
 * hostile peer (a plain host that speaks /lvs/pex/1.0.0 with whatever bytes it likes) is refused
 * by name for each fault, costs trust each time (`pex:bad`) and is denied and cut off at the
 * limit, as a peer sending bad drift frames is.
 */

const { running, host } = stoppedAfterEach();

interface Watched {
  readonly pex: PeerExchange;
  readonly learned: string[][];
  readonly bad: PexBad[];
  readonly denied: string[];
}

async function exchange(
  h: Host,
  advertise: string[] = [],
  extra: Partial<ConstructorParameters<typeof PeerExchange>[0]> = {},
): Promise<Watched> {
  const learned: string[][] = [];
  const pex = new PeerExchange({
    advertise: () => advertise,
    learned: (_peer, _source, addrs) => learned.push([...addrs]),
    answerTimeoutMs: 1_000,
    ...extra,
  });
  const bad: PexBad[] = [];
  const denied: string[] = [];
  pex.addEventListener('pex:bad', (e) => bad.push(e.detail));
  pex.addEventListener('pex:denied', (e) => denied.push(e.detail.peerId));
  await pex.start(h);
  running.push(pex);
  return { pex, learned, bad, denied };
}

/** A hostile peer: answers every question with `bytes`, then closes (or not). */
async function hostileAnswer(h: Host, bytes: () => Uint8Array[], close = true): Promise<void> {
  await h.libp2p.handle(
    PEX_PROTOCOL_ID,
    (stream: Stream) => {
      for (const b of bytes()) stream.send(b);
      if (close) void stream.close().catch(() => undefined);
    },
    { runOnLimitedConnection: true },
  );
}

const concat = (x: Uint8Array, y: Uint8Array) => {
  const out = new Uint8Array(x.byteLength + y.byteLength);
  out.set(x);
  out.set(y, x.byteLength);
  return out;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PEER = '12D3KooWGRUVh7J8KGiCBqYSoCJwKqS6dZ4BZhrW2gWmh2MoTMHH';

describe('peer exchange', () => {
  it('an honest answer arrives whole: the answering side’s addresses, in order', async () => {
    const a = await host();
    const b = await host();
    const told = ['/ip4/100.64.0.1/tcp/4001', `/ip4/100.65.0.1/tcp/4001/p2p/${PEER}`];
    const wa = await exchange(a);
    await exchange(b, told);
    const conn = await a.libp2p.dial(b.addresses()[0]!);
    expect(await wa.pex.ask(conn)).toBe(2);
    expect(wa.learned).toEqual([told]);
    expect(wa.bad).toEqual([]);
  });

  it('refuses each kind of bad answer by name, then denies the peer at the limit', async () => {
    const a = await host();
    const b = await host();
    const wa = await exchange(a);
    const answers: Uint8Array[][] = [
      [frameBytes(new TextEncoder().encode('{"addrs": [1, 2'))],
      [frameBytes(new Uint8Array(PEX_MAX_FRAME_BYTES + 1).fill(0x20))],
      // Two frames in one write, so they arrive together.
      [concat(frameBytes(encodePex(['/ip4/1.2.3.4/tcp/1'])), frameBytes(encodePex([])))],
    ];
    let i = 0;
    await hostileAnswer(b, () => answers[i++]!);
    for (let k = 0; k < answers.length; k++) {
      const conn = await a.libp2p.dial(b.addresses()[0]!).catch(() => undefined);
      if (conn) expect(await wa.pex.ask(conn)).toBe(0);
    }
    expect(wa.bad.map((x) => x.fault)).toEqual(['undecodable', 'oversize', 'excess']);
    expect(wa.learned).toEqual([]);
    // The third fault reached the limit: denied, disconnected, and its dials refused.
    expect(wa.denied).toEqual([b.peerId.toString()]);
    await sleep(200);
    expect(a.libp2p.getConnections(b.peerId)).toHaveLength(0);
    await expect(a.libp2p.dial(b.addresses()[0]!)).rejects.toThrow();
  });

  it('too many addresses, a bad address and a silent peer are each a fault', async () => {
    const a = await host();
    const wa = await exchange(a, [], { badLimit: 10 });
    const tooMany = JSON.stringify({
      addrs: Array.from({ length: PEX_MAX_ADDRS + 1 }, (_, k) => `/ip4/1.2.3.${k}/tcp/1`),
    });
    const cases: Array<[string, Uint8Array[], boolean]> = [
      ['invalid', [frameBytes(new TextEncoder().encode(tooMany))], true],
      ['invalid', [frameBytes(new TextEncoder().encode('{"addrs":["no slash"]}'))], true],
      ['invalid', [frameBytes(new TextEncoder().encode('{"addrs":[],"more":1}'))], true],
      ['timeout', [], false],
    ];
    for (const [fault, bytes, close] of cases) {
      const b = await host();
      await hostileAnswer(b, () => bytes, close);
      const conn = await a.libp2p.dial(b.addresses()[0]!);
      expect(await wa.pex.ask(conn)).toBe(0);
      expect(wa.bad.at(-1)?.fault).toBe(fault);
    }
    expect(wa.bad).toHaveLength(cases.length);
    expect(wa.learned).toEqual([]);
  });

  it('a peer that asks too often is at fault', async () => {
    const a = await host();
    const b = await host();
    const wb = await exchange(b, ['/ip4/100.64.0.1/tcp/4001']);
    const conn = await a.libp2p.dial(b.addresses()[0]!);
    const read = async (s: Stream) => {
      await new Promise<void>((done) => {
        if (s.status !== 'open') done();
        s.addEventListener('message', () => done());
        s.addEventListener('close', () => done());
      });
      s.abort(new Error('read'));
    };
    const first = await conn.newStream(PEX_PROTOCOL_ID, { signal: AbortSignal.timeout(5000) });
    await read(first);
    expect(wb.bad).toEqual([]);
    const again = await conn.newStream(PEX_PROTOCOL_ID, { signal: AbortSignal.timeout(5000) });
    await read(again);
    expect(wb.bad.map((x) => x.fault)).toEqual(['rate']);
    expect(wb.pex.stats().answered).toBe(1);
  });
});
