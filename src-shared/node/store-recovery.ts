import { StoreNewerFormatError } from './store-errors';
import { STORE_FORMAT, type Inspection, type StoreDocument } from './store-schema';

/*
 * What a node starts from, given what its store holds: one rule for every host's store (node.json
 * and its backup on disk, the `main` and `backup` records in IndexedDB), so a browser node
 * recovers exactly as a desktop one does. Only the reading and the setting aside differ; the
 * store does those and hands in what it found.
 */

/** The two copies a store keeps: the last write, and the one it replaced. */
export type StoreSlot = 'main' | 'backup';

/** Where the document a node starts with came from. */
export type Recovered = 'fresh' | 'main' | 'backup';

/** What a store found in a slot. */
export type SlotInspection = Inspection | { readonly kind: 'missing' };

export interface RecoveryInput {
  readonly main: SlotInspection;
  readonly backup: SlotInspection;
  /** Each slot's short name in the notes: `node.json`, `node.json.bak`. */
  readonly names: Readonly<Record<StoreSlot, string>>;
  /** Where the two are, completing "node.json ...": `in /home/me/.config/LVS Node`. */
  readonly where: string;
  /** Each slot's full name in a refusal (and its error's `file`): the file's path. */
  readonly paths: Readonly<Record<StoreSlot, string>>;
  /** What else the user can do about a newer store: `use another --data folder`. */
  readonly otherwise: string;
  /**
   * Keeps a damaged copy out of the way (never deletes it) and returns the name it is kept
   * under. Called at most once per slot, and only after no slot was found newer.
   */
  readonly setAside: (slot: StoreSlot) => Promise<string>;
}

export interface Recovery {
  /** The document to start from; null: start fresh. */
  readonly doc: StoreDocument | null;
  readonly recovered: Recovered;
  /** One phrase each for the user, in order; none when everything was as expected. */
  readonly notes: string[];
}

/**
 * Decides what a node starts from: a slot from a newer version refuses the start before
 * anything is set aside (StoreNewerFormatError); a good main copy wins (a damaged backup is set
 * aside, as the next write would replace it); else a good backup; else a fresh start. Damaged
 * copies are set aside, never deleted, and every surprise is a note.
 */
export async function recoverStore(input: RecoveryInput): Promise<Recovery> {
  const { main, backup: bak, names, where } = input;
  for (const slot of ['main', 'backup'] as const) {
    const found = input[slot];
    if (found.kind === 'newer')
      throw new StoreNewerFormatError(
        `${input.paths[slot]} was written by a newer LVS Node (format ${found.format}${found.writtenBy ? `, version ${found.writtenBy}` : ''}; this version reads format ${STORE_FORMAT}): refusing to start so as not to lose it; update LVS Node or ${input.otherwise}`,
        input.paths[slot],
        found.format,
      );
  }

  const notes: string[] = [];
  if (main.kind === 'ok') {
    // A damaged backup would be replaced at the next save: keep it aside instead.
    if (bak.kind === 'corrupt')
      notes.push(
        `${names.backup} ${where} ${bak.reason}; kept it as ${await input.setAside('backup')} (${names.main} is fine)`,
      );
    return { doc: main.doc, recovered: 'main', notes };
  }
  if (main.kind === 'corrupt')
    notes.push(`${names.main} ${where} ${main.reason}; kept it as ${await input.setAside('main')}`);
  else if (bak.kind !== 'missing') notes.push(`${names.main} ${where} was missing`);

  if (bak.kind === 'ok') {
    notes.push(`started from the backup saved at ${bak.doc.savedAt}`);
    return { doc: bak.doc, recovered: 'backup', notes };
  }
  if (bak.kind === 'corrupt')
    notes.push(`${names.backup} ${bak.reason}; kept it as ${await input.setAside('backup')}`);
  if (notes.length > 0) notes.push('started fresh');
  return { doc: null, recovered: 'fresh', notes };
}
