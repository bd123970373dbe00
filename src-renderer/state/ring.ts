/** A bounded first-in first-out buffer: pushing onto a full ring drops the oldest item. */
export class Ring<T> {
  private items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(private cap: number) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError('a ring holds at least one item');
    this.items = new Array<T | undefined>(cap);
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  /** Adds an item; returns the one it pushed out, if the ring was full. */
  push(item: T): T | undefined {
    if (this.count < this.cap) {
      this.items[(this.start + this.count) % this.cap] = item;
      this.count++;
      return undefined;
    }
    const dropped = this.items[this.start];
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.cap;
    return dropped;
  }

  /** The i-th item, 0 the oldest; undefined outside 0..size-1. */
  at(i: number): T | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) return undefined;
    return this.items[(this.start + i) % this.cap];
  }

  last(): T | undefined {
    return this.at(this.count - 1);
  }

  clear(): void {
    this.items = new Array<T | undefined>(this.cap);
    this.start = 0;
    this.count = 0;
  }

  /** A new capacity, keeping the newest items that fit. */
  resize(cap: number): void {
    if (cap === this.cap) return;
    const kept = this.toArray().slice(-cap);
    this.cap = cap;
    this.clear();
    for (const item of kept) this.push(item);
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.start + i) % this.cap] as T);
    return out;
  }

  /** The index of the first item whose key is >= `key` (items ascending by key); size if none. */
  lowerBound(key: number, keyOf: (item: T) => number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keyOf(this.at(mid) as T) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
