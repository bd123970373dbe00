// Ports and raw exchanges on 127.0.0.1 for tests that start real listeners: a port free now, a
// port another program holds, and bytes written straight to a socket (no HTTP client between).
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** A port nothing listens on now (for flags such as --ws-port, where 0 means off). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

/** A port held by another program for the length of `use`. */
export async function withTakenPort(use: (port: number) => Promise<void>): Promise<void> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    await use((server.address() as AddressInfo).port);
  } finally {
    server.close();
  }
}

/**
 * Raw bytes to a port, the whole answer back (up to the server's close). `opened` is told of the
 * socket, for a test that closes what is left at its end.
 */
export function rawExchange(
  port: number,
  text: string,
  host = '127.0.0.1',
  opened?: (s: Socket) => void,
): Promise<string> {
  return new Promise((ok, fail) => {
    const s = connect(port, host);
    opened?.(s);
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (got += d));
    s.on('error', fail);
    s.on('close', () => ok(got));
    s.write(text);
  });
}
