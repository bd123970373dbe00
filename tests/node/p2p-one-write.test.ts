import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Host } from '../../src-main/node/p2p/host';
import { oneWritePerMessage } from '../../src-shared/net/one-write';
import { streamPair } from '../helpers/hosts';

/*
 * Two real hosts on loopback. The dialling host's TCP socket is watched as it sends small
 * messages on a stream, far enough apart that none can share a write with the next: each
 * message (a Yamux frame in one Noise message) must reach the socket as one write, so one TCP
 * segment, not its 2-byte Noise length and its ciphertext apart.
 */

const PROTOCOL = '/lvs/test/one-write/1.0.0';
const running: Host[] = [];
const clients: Socket[] = [];
diagnostics.subscribe('net.client.socket', (m) => clients.push((m as { socket: Socket }).socket));

afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
  clients.length = 0;
});

describe('a connection', () => {
  it('writes each message it sends to its socket in one write', async () => {
    expect(oneWritePerMessage()).toBe(true);
    const { stream, received } = await streamPair(PROTOCOL, running);
    stream.send(new Uint8Array(8));
    await vi.waitFor(() => expect(received()).toBe(8));
    // A's socket: the only client socket it opened.
    expect(clients).toHaveLength(1);
    const socket = clients[0]!;
    await new Promise((r) => setTimeout(r, 300));
    const writes: number[] = [];
    const write = socket.write.bind(socket) as (chunk: Uint8Array) => boolean;
    socket.write = ((chunk: Uint8Array) => {
      writes.push(chunk.byteLength);
      return write(chunk);
    }) as typeof socket.write;
    for (let i = 0; i < 20; i++) {
      stream.send(new Uint8Array(26).fill(i));
      await new Promise((r) => setTimeout(r, 10));
    }
    await vi.waitFor(() => expect(received()).toBe(8 + 20 * 26));
    // 26 bytes of data + 12 of Yamux header + 16 of Noise tag + 2 of Noise length, in one write.
    expect(writes).toEqual(Array.from({ length: 20 }, () => 26 + 12 + 16 + 2));
  });
});
