// The address book's memory: a book filled with n distinct addresses over many groups (a fifth
// of them tried), measured as the heap it adds, median of 5 fills. Runs alone:
//   npx tsx --expose-gc scripts/bench-address-book.ts [n]
// and npm run bench:net calls measureAddressBook.
import { pathToFileURL } from 'node:url';
import { AddressBook, ADDRESS_BOOK_DEFAULTS } from '../src-shared/net/address-book';
import { seededRng } from '../src-shared/random';

export interface AddressBookMemory {
  /** Entries the measured book held (n). */
  readonly entries: number;
  /** Heap the book adds, in bytes: the median of 5 fills. */
  readonly bytes: number;
  readonly bytesPerEntry: number;
  /** Its snapshot as JSON, in bytes (all entries; the store keeps only the first 1024). */
  readonly snapshotBytes: number;
}

const RUNS = 5;

function collect(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc)
    throw new Error('bench-address-book needs global.gc: run node (or tsx) with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A book holding exactly n distinct addresses, over many /16s and many sources. */
function fill(n: number, seed: number): AddressBook {
  // Slots enough for n whatever the hash collisions: at least twice n, the defaults otherwise.
  const scale = Math.max(1, Math.ceil((2 * n) / (256 * 64 + 64 * 64)));
  const book = new AddressBook({
    secret: Uint8Array.from({ length: 16 }, (_, i) => i + seed),
    now: () => 1_800_000_000_000,
    newBuckets: ADDRESS_BOOK_DEFAULTS.newBuckets * scale,
    triedBuckets: ADDRESS_BOOK_DEFAULTS.triedBuckets * scale,
    // Relaxed so that the fill, not the group limit, decides what the book holds.
    maxPerGroup: n,
  });
  const rng = seededRng(seed);
  // Joined, not a template literal: V8 keeps a template's result as a rope of pieces (about 200
  // bytes more per address) where a decoder's or join's output is one flat string, as the
  // addresses a node learns from peer-exchange frames are.
  const randomAddr = () =>
    [
      '/ip4/',
      [1 + rng.int(223), rng.int(256), rng.int(256), rng.int(256)].join('.'),
      '/tcp/',
      1 + rng.int(65535),
    ].join('');
  const total = () => book.size.new + book.size.tried;
  const topUp = () => {
    for (let tries = 0; total() < n && tries < 100 * n; tries += 100) {
      const want = Math.min(100, n - total());
      const source = `/ip4/${1 + rng.int(223)}.${rng.int(256)}.0.1/tcp/4001`;
      book.add(
        Array.from({ length: want }, () => ({ addr: randomAddr() })),
        source,
      );
    }
  };
  topUp();
  // A fifth tried (with peer ids, as connections give them), then new ones again to n.
  const entries = book.entries();
  for (let i = 0; i < entries.length && book.size.tried < n / 5; i++)
    book.good(entries[i]!.addr, `12D3KooW${String(i).padStart(44, 'x')}`);
  topUp();
  if (total() !== n) throw new Error(`could not fill the book to ${n} entries (holds ${total()})`);
  return book;
}

export async function measureAddressBook(n: number): Promise<AddressBookMemory> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer >= 1 (got ${n})`);
  const samples: number[] = [];
  let snapshotBytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const before = collect();
    let book: AddressBook | null = fill(n, run + 1);
    const after = collect();
    samples.push(after - before);
    snapshotBytes = Buffer.byteLength(JSON.stringify(book.toJSON()));
    book = null;
    // Let the book go before the next run's baseline.
    await new Promise((done) => setImmediate(done));
  }
  samples.sort((a, b) => a - b);
  const bytes = samples[RUNS >> 1]!;
  return { entries: n, bytes, bytesPerEntry: bytes / n, snapshotBytes };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 10_000);
  const m = await measureAddressBook(n);
  // --json: one JSON line for bench:net, which runs this in its own process (for --expose-gc).
  if (process.argv.includes('--json')) console.log(JSON.stringify(m));
  else
    console.log(
      `address book, ${m.entries} entries: ${(m.bytes / 1024 / 1024).toFixed(2)} MiB heap ` +
        `(${Math.round(m.bytesPerEntry)} B/entry), snapshot ${(m.snapshotBytes / 1024).toFixed(0)} kB as JSON`,
    );
}
