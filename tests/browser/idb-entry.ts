/*
 * The IndexedDB store in a page (tests/browser/idb-store.test.ts bundles this for Chromium and
 * runs it on a page with an origin: IndexedDB has none on about:blank). Each scenario reads and
 * writes the records directly with idb, as a damaged or newer database would hold them, and
 * reports what the store made of them. It must not import a Node built-in; the build refuses one.
 */
import { openDB } from 'idb';
import { resolveParams } from '../../src-shared/drift/params';
import { InlineEngine } from '../../src-shared/node/engine';
import { NodeCore, type NodeLog } from '../../src-shared/node/node-core';
import { StoreError, StoreNewerFormatError } from '../../src-shared/node/store-errors';
import {
  idbDatabaseName,
  IdbStore,
  NodeInUseError,
  type IdbOpened,
  type IdbOpenOptions,
} from '../../src-renderer/browser-node/idb-store';
import { CORRUPT_AT, type IdbRun, type OpenResult, type RecordDump } from './idb-run';
import { memoryHost } from './memory-host';

const base: IdbOpenOptions = {
  appVersion: 'browser-test',
  persistMs: 20,
  fresh: { config: { params: { dimensions: 2 } }, S: [1, 2] },
};

function described(opened: IdbOpened): OpenResult {
  const { store } = opened;
  return {
    recovered: opened.recovered,
    notice: opened.notice ?? null,
    cycle: store.data.state.cycle,
    S: [...store.data.state.S],
    writes: store.writes,
  };
}

/** Every record of a node's database, by key. */
async function dump(name: string): Promise<RecordDump[]> {
  const db = await openDB(idbDatabaseName(name));
  try {
    const keys = (await db.getAllKeys('records')).map(String).sort();
    const out: RecordDump[] = [];
    for (const key of keys) out.push({ key, value: await db.get('records', key) });
    return out;
  } finally {
    db.close();
  }
}

async function putRecord(name: string, key: string, value: string): Promise<void> {
  const db = await openDB(idbDatabaseName(name));
  try {
    await db.put('records', value, key);
  } finally {
    db.close();
  }
}

const parsed = (records: readonly RecordDump[], key: string): unknown => {
  const value = records.find((r) => r.key === key)?.value;
  return typeof value === 'string' ? JSON.parse(value) : value;
};

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function coreRun(): Promise<IdbRun['core']> {
  const lines: string[] = [];
  const log: NodeLog = {
    info: () => undefined,
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
    debug: () => undefined,
  };
  const params = resolveParams({ dimensions: 2 });
  const start = async (k: number, store: IdbStore) =>
    NodeCore.create(
      { params, cycleMs: 30, genesis: 0, seed: 7 + k, initialState: [10, 20], log },
      {
        host: await memoryHost(`idb-core-${k}`),
        store,
        startEngine: (init) => Promise.resolve(new InlineEngine(init)),
      },
    );
  const waitFor = async (core: NodeCore, cycle: number) => {
    const deadline = Date.now() + 20_000;
    while (core.status().cycle < cycle && Date.now() < deadline) await sleep(30);
  };

  const first = await start(1, (await IdbStore.open('core', base)).store);
  await waitFor(first, 10);
  // stop() saves the last cycle and closes the store.
  await first.stop();
  const firstStopped = first.status().cycle;

  const reopened = await IdbStore.open('core', base);
  const storedCycle = reopened.store.data.state.cycle;
  const storedS = [...reopened.store.data.state.S];
  const second = await start(2, reopened.store);
  const secondStart = second.status().cycle;
  const secondStartS = [...second.state().S];
  await waitFor(second, storedCycle + 5);
  await second.stop();
  const secondStopped = second.status().cycle;
  const last = await IdbStore.open('core', base);
  const finalStored = last.store.data.state.cycle;
  await last.store.close();
  return {
    firstStopped,
    storedCycle,
    storedS,
    recovered: reopened.recovered,
    secondStart,
    secondStartS,
    secondStopped,
    finalStored,
    errors: lines.filter((l) => l.startsWith('error')),
  };
}

/** Opens node `b` twice: the second open is refused until the first is closed. */
async function secondOpen(): Promise<IdbRun['secondOpen']> {
  const first = await IdbStore.open('b', base);
  let refusal: unknown = null;
  try {
    const again = await IdbStore.open('b', base);
    await again.store.close();
  } catch (err) {
    refusal = err;
  }
  await first.store.close();
  const after = await IdbStore.open('b', base);
  await after.store.close();
  if (!(refusal instanceof NodeInUseError)) return null;
  return {
    name: refusal.name,
    isStoreError: refusal instanceof StoreError,
    database: refusal.database,
    message: refusal.message,
    afterClose: after.recovered,
  };
}

/**
 * The site's data cleared while node `e` runs (IndexedDB deleted from elsewhere): the store lets
 * go of its connection so the deletion goes through, and says why it no longer saves.
 */
async function clearedWhileOpen(): Promise<IdbRun['cleared']> {
  const said: string[] = [];
  const open = await IdbStore.open('e', { ...base, log: (line) => said.push(line) });
  const outcome = await new Promise<string>((resolve) => {
    const req = indexedDB.deleteDatabase(idbDatabaseName('e'));
    req.onsuccess = () => resolve('deleted');
    req.onerror = () => resolve('failed');
    // Fires only while an open connection holds the deletion back.
    req.onblocked = () => resolve('blocked');
  });
  open.store.update((doc) => {
    doc.state.cycle = 1;
  });
  await open.store.close().catch(() => undefined);
  return { outcome, said };
}

export async function run(): Promise<IdbRun> {
  const second = await secondOpen();
  const cleared = await clearedWhileOpen();
  // A fresh database, some changes, a close: the close writes what is pending.
  const fresh = await IdbStore.open('a', base);
  const freshResult = described(fresh);
  fresh.store.update((doc) => {
    doc.state.cycle = 7;
    doc.state.S = [3, 4];
  });
  await fresh.store.close();
  const afterFirstClose = await dump('a');

  // Reopened: from main, as it was closed. Then one more change: main cycle 8, backup cycle 7.
  const reopened = await IdbStore.open('a', base);
  const reopenedResult = described(reopened);
  reopened.store.update((doc) => {
    doc.state.cycle = 8;
  });
  await reopened.store.close();

  // main damaged: set aside under corrupt-<time>, the node starts from the backup (cycle 7).
  await putRecord('a', 'main', 'not json {');
  const fromBackup = await IdbStore.open('a', { ...base, now: () => CORRUPT_AT });
  const fromBackupResult = described(fromBackup);
  await fromBackup.store.close();
  const afterBackup = await dump('a');

  // main from a newer format: refused, nothing changed.
  await putRecord(
    'a',
    'main',
    JSON.stringify({ format: 2, writtenBy: '9.0.0', somethingNew: [1] }),
  );
  const beforeRefusal = await dump('a');
  const err = await IdbStore.open('a', base).then(
    (opened) => opened.store.close().then(() => null),
    (e: unknown) => e,
  );
  const afterRefusal = await dump('a');
  const refused =
    err instanceof Error
      ? {
          name: err.name,
          isNewerFormatError: err instanceof StoreNewerFormatError,
          isStoreError: err instanceof StoreError,
          message: err.message,
          file: err instanceof StoreNewerFormatError ? err.file : '',
          format: err instanceof StoreNewerFormatError ? err.format : -1,
        }
      : null;

  // A main record larger than any store this version writes (16 MiB): set aside unread, as a file
  // that large is on disk; the node starts from the backup.
  const huge = await IdbStore.open('d', base);
  huge.store.update((doc) => {
    doc.state.cycle = 3;
  });
  await huge.store.close();
  await putRecord('d', 'main', `{"format":1,"pad":"${'x'.repeat(17 * 2 ** 20)}"}`);
  const fromHuge = await IdbStore.open('d', { ...base, now: () => CORRUPT_AT });
  const oversized = described(fromHuge);
  await fromHuge.store.close();

  // Coalesced writes: with a long persistMs, five changes wait for close().
  const slow = await IdbStore.open('c', { ...base, persistMs: 60_000 });
  const writesAfterOpen = slow.store.writes;
  for (let k = 1; k <= 5; k++)
    slow.store.update((doc) => {
      doc.counters['changes'] = k;
    });
  await sleep(300);
  const writesAfterUpdates = slow.store.writes;
  await slow.store.close();
  const writesAfterClose = slow.store.writes;
  const savedCounter = (parsed(await dump('c'), 'main') as { counters: Record<string, unknown> })
    .counters['changes'];

  // The history bound: 12 states pushed, 5 kept (the newest), on disk and after a reopen.
  const limits = { history: 5 };
  const bounded = await IdbStore.open('b', { ...base, limits });
  for (let cycle = 1; cycle <= 12; cycle++)
    bounded.store.update((doc) => {
      doc.history.push({ cycle, at: CORRUPT_AT.toISOString(), S: [cycle, cycle] });
    });
  const inMemory = bounded.store.data.history.map((h) => h.cycle);
  await bounded.store.close();
  const stored = (parsed(await dump('b'), 'main') as { history: { cycle: number }[] }).history.map(
    (h) => h.cycle,
  );
  const again = await IdbStore.open('b', { ...base, limits });
  const reopenedHistory = again.store.data.history.map((h) => h.cycle);
  await again.store.close();

  const g = globalThis as Record<string, unknown>;
  return {
    secondOpen: second,
    cleared,
    database: idbDatabaseName('a'),
    fresh: freshResult,
    afterClose: {
      main: parsed(afterFirstClose, 'main'),
      backup: parsed(afterFirstClose, 'backup'),
    },
    reopened: reopenedResult,
    fromBackup: fromBackupResult,
    afterBackup,
    refused,
    oversized,
    beforeRefusal,
    afterRefusal,
    coalesced: { writesAfterOpen, writesAfterUpdates, writesAfterClose, savedCounter },
    history: { inMemory, stored, reopened: reopenedHistory },
    core: await coreRun(),
    nodeGlobals: ['process', 'Buffer', 'require', '__dirname'].filter((k) => k in g),
  };
}
