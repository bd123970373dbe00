import { appVersion } from '../runtime/app-version';
import { MonitorHost } from './monitor-host';
import { defaultRendererDir, startWebMonitor, type WebMonitor } from './web-server';

/*
 * `--monitor` of `lvs node` and `lvs lab`: a MonitorHost (shell 'web') and the web server in
 * front of it. The command attaches its node or lab to `host`, prints `web.url`, and closes
 * both on shutdown (the web server first, then what the host started itself: a lab started
 * from the page). The node or lab the command started is the command's to stop.
 */

export interface CliMonitor {
  readonly host: MonitorHost;
  readonly web: WebMonitor;
  close(): Promise<void>;
}

/** The monitor port cannot be had: in use, or not allowed. One line, naming the flag. */
export class MonitorPortError extends Error {
  override readonly name = 'MonitorPortError';
}

export async function openCliMonitor(opts: {
  /** 0: any free port. */
  readonly port: number;
  /** Where labs started from the page get their folders. */
  readonly labsDir: string;
  /** Their recordings are kept under this many MB (MonitorHostOptions.recordingsMb). */
  readonly recordingsMb?: number;
}): Promise<CliMonitor> {
  const host = new MonitorHost({
    shell: 'web',
    appVersion: appVersion(),
    labsDir: opts.labsDir,
    ...(opts.recordingsMb === undefined ? {} : { recordingsMb: opts.recordingsMb }),
  });
  let web: WebMonitor;
  try {
    web = await startWebMonitor({ host, rendererDir: defaultRendererDir(), port: opts.port });
  } catch (err) {
    await host.close().catch(() => undefined);
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'EADDRINUSE')
      throw new MonitorPortError(
        `--monitor-port ${opts.port} is in use on 127.0.0.1 by another program; choose another port, or 0 for any free one`,
      );
    if (code === 'EACCES')
      throw new MonitorPortError(
        `--monitor-port ${opts.port} is not allowed for this user; choose a port above 1023, or 0 for any free one`,
      );
    throw err;
  }
  return {
    host,
    web,
    close: async () => {
      await web.close().catch(() => undefined);
      await host.close();
    },
  };
}
