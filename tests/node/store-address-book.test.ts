// The address book in the node's store: it survives a restart (so a node reconnects without a
// bootstrap), its size on disk is bounded, and a damaged address book never costs the drift state.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeStore, type OpenOptions } from '../../src-main/node/store';
import { AddressBook, type BookEntry } from '../../src-shared/net/address-book';
import { seededRng } from '../../src-shared/random';

let root = '';
let n = 0;
const open: NodeStore[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lvs-store-book-test-'));
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const folder = () => join(root, `d${++n}`);
const SECRET = Uint8Array.from({ length: 16 }, (_, i) => 40 + i);
const NOW = 1_800_000_000_000;

async function openStore(dir: string, opts: Partial<OpenOptions> = {}) {
  const opened = await NodeStore.open(dir, { appVersion: '0.1.0-test', ...opts });
  open.push(opened.store);
  return opened;
}

async function closeStore(store: NodeStore): Promise<void> {
  await store.close();
  open.splice(open.indexOf(store), 1);
}

/** A book of `count` addresses over many /16s, a third of them tried. */
function bookOf(count: number): AddressBook {
  const book = new AddressBook({ secret: SECRET, now: () => NOW });
  const rng = seededRng(21);
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: 10 }, () => ({
      addr: `/ip4/${1 + rng.int(223)}.${rng.int(256)}.${rng.int(256)}.1/tcp/${1 + rng.int(60_000)}`,
    }));
    book.add(batch, `/ip4/${1 + rng.int(223)}.${rng.int(256)}.0.1/tcp/4001`);
    book.good(batch[0]!.addr, `QmPeer${i}`);
    book.good(batch[1]!.addr);
    book.failed(batch[2]!.addr);
  }
  return book;
}

const byAddr = (a: BookEntry, b: BookEntry) => (a.addr < b.addr ? -1 : 1);

/** A folder whose node.json holds a known drift state and `book`'s snapshot. */
async function seeded(book: AddressBook): Promise<string> {
  const dir = folder();
  const { store } = await openStore(dir);
  store.update((doc) => {
    doc.state.cycle = 7;
    doc.state.S = [3, 4];
    doc.state.earned = 1.5;
    doc.addressBook = book.toJSON();
  });
  await closeStore(store);
  return dir;
}

describe('the address book in node.json', () => {
  it('comes back after a restart with its entries, counters and placement', async () => {
    const book = bookOf(200);
    expect(book.size.tried).toBeGreaterThan(30);
    const dir = await seeded(book);
    const { store, recovered, notice } = await openStore(dir);
    expect(recovered).toBe('main');
    expect(notice).toBeUndefined();
    const {
      book: again,
      dropped,
      freshSecret,
    } = AddressBook.fromJSON(store.data.addressBook, {
      now: () => NOW,
    });
    expect(dropped).toBe(0);
    expect(freshSecret).toBe(false);
    expect([...again.entries()].sort(byAddr)).toEqual([...book.entries()].sort(byAddr));
    for (const e of book.entries()) expect(again.placement(e.addr)).toEqual(book.placement(e.addr));
    // With no bootstrap at all, the restored book has addresses to dial.
    const rng = seededRng(22);
    expect(again.select(rng.float.bind(rng))).toBeDefined();
  });

  it('keeps at most limits.addressBook entries on disk, tried ones first', async () => {
    const book = bookOf(3_000);
    expect(book.size.new + book.size.tried).toBeGreaterThan(2_000);
    const dir = folder();
    const { store } = await openStore(dir, { limits: { addressBook: 500 } });
    store.update((doc) => {
      doc.addressBook = book.toJSON();
    });
    await closeStore(store);
    const onDisk = JSON.parse(await readFile(join(dir, 'node.json'), 'utf8')) as {
      addressBook: { entries: { tried: boolean }[] };
    };
    expect(onDisk.addressBook.entries).toHaveLength(500);
    const tried = Math.min(500, book.size.tried);
    expect(onDisk.addressBook.entries.slice(0, tried).every((e) => e.tried)).toBe(true);
  });

  it('loads the drift state intact whatever happened to the address book', async () => {
    const good = bookOf(100);
    const dir = await seeded(good);
    const file = join(dir, 'node.json');
    const text = await readFile(file, 'utf8');
    const doc = JSON.parse(text) as Record<string, unknown> & {
      addressBook: { entries: Record<string, unknown>[] };
    };
    const total = doc.addressBook.entries.length;
    const damaged: unknown[] = [
      'garbage',
      42,
      null,
      [1, 2, 3],
      { version: 99, secret: 'x', entries: [] },
      { version: 1, secret: 17, entries: 'none' },
      // Three bad entries among good ones.
      {
        ...doc.addressBook,
        entries: [
          { ...doc.addressBook.entries[0], addr: 5 },
          { ...doc.addressBook.entries[1], lastSeen: -3 },
          { ...doc.addressBook.entries[2], addr: '/ip4/1.2.3/tcp/1' },
          ...doc.addressBook.entries.slice(3),
        ],
      },
    ];
    for (const [i, book] of damaged.entries()) {
      await writeFile(file, JSON.stringify({ ...doc, addressBook: book }));
      const { store, recovered, notice } = await openStore(dir);
      expect(recovered, `case ${i}`).toBe('main');
      expect(notice).toBeUndefined();
      expect(store.data.state).toMatchObject({ cycle: 7, S: [3, 4], earned: 1.5 });
      const restored = AddressBook.fromJSON(store.data.addressBook, { secret: SECRET });
      if (i < damaged.length - 1) {
        expect(restored.problem, `case ${i}`).toMatch(/^the address book/);
      } else {
        expect(restored.dropped).toBe(3);
        const size = restored.book.size;
        expect(size.new + size.tried).toBe(total - 3);
      }
      // The store writes it back as it found it; the node replaces it with its own snapshot.
      await store.flush();
      await closeStore(store);
      expect((await readdir(dir)).filter((f) => f.includes('.corrupt-'))).toEqual([]);
    }
  });
});
