import { isIP } from 'node:net';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RECORDINGS_MB, MAX_RECORDINGS_MB } from '../lab/recording-retention';
import { bootstrapProblem, MAX_BOOTSTRAP } from '../node/bootstrap-address';
import { moveAside, SafeJsonFile } from '../node/store/safe-file';

/*
 * The desktop app's own settings, in userData/settings.json: start at login, whether the
 * personal node starts with the app, and where it listens. A missing file means the defaults. A
 * damaged one (not JSON, or a value out of range) is moved aside as settings.json.corrupt-<time>,
 * never overwritten silently, and the app says so in one line and runs on the defaults. Writes
 * are atomic and durable (the store's SafeJsonFile).
 */

export const SETTINGS_FILE = 'settings.json';

const nodeSettings = z.object({
  /** Address the personal node listens on (0.0.0.0: the local network; 127.0.0.1: this machine). */
  host: z
    .string()
    .refine((h) => isIP(h) !== 0, { error: 'node.host must be an IP address such as 0.0.0.0' })
    .default('0.0.0.0'),
  /** TCP port; 0 picks a free one. */
  port: z.number().int().min(0).max(65535).default(0),
  /** Multicast DNS discovery on the local network. */
  mdns: z.boolean().default(true),
  /**
   * Addresses to dial first (beyond the address book the node keeps, and mDNS): how a laptop
   * joins a swarm that is not on its own network. The same form as `lvs node --bootstrap`.
   */
  bootstrap: z
    .array(
      z.string().superRefine((text, ctx) => {
        const problem = bootstrapProblem(text);
        if (problem) ctx.addIssue({ code: 'custom', message: `node.bootstrap entries ${problem}` });
      }),
    )
    .max(MAX_BOOTSTRAP, { error: `node.bootstrap holds at most ${MAX_BOOTSTRAP} addresses` })
    .default([]),
  /**
   * Browser nodes: a WebSocket listener for them (with the relay service, for their WebRTC
   * signalling) and the join page a phone or laptop on this network opens to run one, on
   * `node.host`. Each port 0: any free one. null: neither (the node is then TCP only).
   */
  browsers: z
    .object({
      wsPort: z.number().int().min(0).max(65535).default(0),
      joinPort: z.number().int().min(0).max(65535).default(0),
    })
    .nullable()
    .default({ wsPort: 0, joinPort: 0 }),
});

// Loose: keys a newer version wrote are kept when this one saves.
const settingsSchema = z.looseObject({
  /** Start the app when the user logs in (macOS and Windows; app.setLoginItemSettings). */
  openAtLogin: z.boolean().default(false),
  /** Start the personal node when the app starts. */
  startNodeAtLaunch: z.boolean().default(true),
  node: nodeSettings.prefault({}),
  /** Lab recordings under userData/labs are kept under this many MB, the oldest removed first. */
  labRecordingsMb: z
    .number()
    .int()
    .min(1, { error: `labRecordingsMb must be a whole number of MB in 1..${MAX_RECORDINGS_MB}` })
    .max(MAX_RECORDINGS_MB, {
      error: `labRecordingsMb must be a whole number of MB in 1..${MAX_RECORDINGS_MB}`,
    })
    .default(DEFAULT_RECORDINGS_MB),
});

export type Settings = z.infer<typeof settingsSchema>;
export type NodeSettings = Settings['node'];

export const DEFAULT_SETTINGS: Settings = Object.freeze(settingsSchema.parse({}));

export interface LoadedSettings {
  readonly settings: Settings;
  /** One line for the log when the file was not usable (and what became of it). */
  readonly notice?: string;
  /** A damaged or unreadable file was left where it is: saving must not replace it. */
  readonly leftInPlace?: boolean;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'is not valid';
  const at = issue.path.join('.');
  return at ? `${at}: ${issue.message}` : issue.message;
}

/** Reads the settings; never throws (a damaged file is moved aside, and the defaults used). */
export async function loadSettings(file: string, now: Date = new Date()): Promise<LoadedSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings: DEFAULT_SETTINGS };
    return {
      settings: DEFAULT_SETTINGS,
      notice: `cannot read ${file} (${(err as Error).message}); using the default settings`,
      leftInPlace: true,
    };
  }
  let reason: string;
  try {
    const r = settingsSchema.safeParse(JSON.parse(text));
    if (r.success) return { settings: r.data };
    reason = firstIssue(r.error);
  } catch {
    reason = 'is not JSON';
  }
  try {
    const kept = await moveAside(file, now);
    return {
      settings: DEFAULT_SETTINGS,
      notice: `${basename(file)} was damaged (${reason}); kept it as ${kept} and using the default settings`,
    };
  } catch (err) {
    return {
      settings: DEFAULT_SETTINGS,
      notice: `${basename(file)} was damaged (${reason}) and could not be moved aside (${(err as Error).message}); using the default settings without saving over it`,
      leftInPlace: true,
    };
  }
}

/** Writes the settings atomically (the previous file is kept as settings.json.bak). */
export async function saveSettings(file: string, settings: Settings): Promise<void> {
  const checked = settingsSchema.parse(settings);
  await new SafeJsonFile(file).writeText(`${JSON.stringify(checked, null, 2)}\n`);
}

/** The settings of one userData folder, loaded once and saved one change at a time. */
export class SettingsFile {
  private current: Settings = DEFAULT_SETTINGS;
  private writes: Promise<void> = Promise.resolve();
  /** Whether the file on disk may be written (not when a damaged one could not be moved aside). */
  private writable = true;
  readonly file: string;

  constructor(dir: string) {
    this.file = join(dir, SETTINGS_FILE);
  }

  async load(now?: Date): Promise<LoadedSettings> {
    const loaded = await loadSettings(this.file, now);
    this.current = loaded.settings;
    this.writable = loaded.leftInPlace !== true;
    return loaded;
  }

  get(): Settings {
    return this.current;
  }

  /** Applies a change and saves it (changes are written in order). */
  update(change: (s: Settings) => Settings): Promise<void> {
    this.current = settingsSchema.parse(change(this.current));
    const snapshot = this.current;
    const write = this.writes.then(() => {
      if (!this.writable)
        throw new Error(`${this.file} could not be read or moved aside; not saving over it`);
      return saveSettings(this.file, snapshot);
    });
    this.writes = write.catch(() => undefined);
    return write;
  }
}
