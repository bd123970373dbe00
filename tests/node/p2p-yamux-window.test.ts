import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { Stream } from '@libp2p/interface';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Host } from '../../src-main/node/p2p/host';
import { halfWindowUpdates } from '../../src-shared/net/yamux-window';
import { streamPair, tcpPort, type StreamPair } from '../helpers/hosts';

/*
 * Two real hosts on loopback. What the receiving host writes on its TCP socket while small
 * frames arrive is counted at the socket: with Yamux's keep-alive off and window updates only
 * once half the window is used, it writes nothing at all; and flow control still works, so a
 * sender pushing megabytes is never left waiting for credit.
 */

const PROTOCOL = '/lvs/test/sink/1.0.0';
const running: Host[] = [];
const sockets = new Set<Socket>();
const track = (message: unknown) => sockets.add((message as { socket: Socket }).socket);
diagnostics.subscribe('net.server.socket', track);

afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
  sockets.clear();
});

interface Pair extends StreamPair {
  /** Bytes B has written to its socket. */
  written: () => number;
}

async function pair(): Promise<Pair> {
  const p = await streamPair(PROTOCOL, running);
  const port = tcpPort(p.b.addresses()[0]!);
  // B's end of the connection: the socket its listener accepted.
  const written = () =>
    [...sockets].filter((s) => s.localPort === port).reduce((n, s) => n + s.bytesWritten, 0);
  return { ...p, written };
}

async function sendAll(stream: Stream, bytes: Uint8Array, chunk: number): Promise<void> {
  for (let i = 0; i < bytes.byteLength; i += chunk) {
    if (!stream.send(bytes.subarray(i, i + chunk)))
      await new Promise((r) => stream.addEventListener('drain', r, { once: true }));
  }
}

describe('Yamux between two hosts', () => {
  it('is patched in this process, and runs without its keep-alive', async () => {
    expect(halfWindowUpdates()).toBe(true);
    const { a, stream } = await pair();
    // libp2p keeps a connection's muxer private; the setting is read there to see that it took.
    const [conn] = a.libp2p.getConnections();
    const muxer = (conn as unknown as { muxer: { enableKeepAlive: boolean } }).muxer;
    expect(muxer.enableKeepAlive).toBe(false);
    expect(stream.status).toBe('open');
  });

  it('lets a receiver of small frames write nothing back: no window update per frame', async () => {
    const { stream, received, written } = await pair();
    stream.send(new Uint8Array(10));
    await vi.waitFor(() => expect(received()).toBe(10));
    // Identify and the stream's opening (its ACK) are done once the first bytes are through.
    await new Promise((r) => setTimeout(r, 300));
    const before = written();
    for (let i = 0; i < 200; i++) {
      stream.send(new Uint8Array(60).fill(i));
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
    }
    await vi.waitFor(() => expect(received()).toBe(10 + 200 * 60));
    await new Promise((r) => setTimeout(r, 200));
    // Before the patch: 200 window updates of 30 bytes on the wire (12 + Noise's 2 + 16).
    expect(written() - before).toBe(0);

    // Past half of the 256 KiB window, the receiver hands back credit: one update, 30 bytes.
    await sendAll(stream, new Uint8Array(130 * 1024), 4096);
    await vi.waitFor(() => expect(received()).toBe(10 + 200 * 60 + 130 * 1024));
    await vi.waitFor(() => expect(written() - before).toBe(30));
  });

  it('still moves megabytes: the sender gets its credit back before it runs out', async () => {
    const { stream, received } = await pair();
    const total = 3 * 1024 * 1024;
    await sendAll(stream, new Uint8Array(total).fill(7), 16 * 1024);
    await vi.waitFor(() => expect(received()).toBe(total), { timeout: 10_000 });
  });
});
