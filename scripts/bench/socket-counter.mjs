// Preloaded into a benchmarked node (node --import): counts every byte its TCP sockets read
// and write (all libp2p framing, encryption and background traffic included) and writes the
// totals to $LVS_SOCKET_REPORT once a second.
import diagnostics from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const sockets = new Set();
for (const channel of ['net.client.socket', 'net.server.socket'])
  diagnostics.subscribe(channel, ({ socket }) => sockets.add(socket));

// --import runs in every worker thread too; only the main thread has the node's sockets.
const report = isMainThread ? process.env.LVS_SOCKET_REPORT : undefined;
if (report) {
  setInterval(() => {
    let read = 0;
    let written = 0;
    for (const s of sockets) {
      read += s.bytesRead;
      written += s.bytesWritten;
    }
    writeFileSync(report, JSON.stringify({ read, written, sockets: sockets.size, at: Date.now() }));
  }, 1000).unref();
}
