// The lab pool's dial bookkeeping: a limit on dials under way, one dial per pair, and waits that
// double after each failure up to a ceiling.
import { describe, expect, it } from 'vitest';
import { DialBook } from '../../src-shared/net/dial-book';

describe('DialBook', () => {
  it('never starts a second dial to a pair while one is under way', () => {
    const book = new DialBook(8, 250, 30_000);
    expect(book.mayDial('1-a', 0)).toBe(true);
    book.started('1-a');
    expect(book.mayDial('1-a', 0)).toBe(false);
    expect(book.mayDial('1-b', 0)).toBe(true);
    book.succeeded('1-a');
    expect(book.mayDial('1-a', 0)).toBe(true);
  });

  it('holds at most maxInFlight dials under way', () => {
    const book = new DialBook(2, 250, 30_000);
    book.started('1-a');
    book.started('1-b');
    expect(book.open).toBe(false);
    expect(book.mayDial('1-c', 0)).toBe(false);
    book.failedAt('1-a', 0);
    expect(book.mayDial('1-c', 0)).toBe(true);
  });

  it('waits base * 2^failures after each failure, at most the ceiling, and once per failure', () => {
    const book = new DialBook(8, 250, 3_000);
    let now = 0;
    for (const wait of [500, 1_000, 2_000, 3_000, 3_000]) {
      book.started('1-a');
      book.failedAt('1-a', now);
      expect(book.mayDial('1-a', now + wait - 1)).toBe(false);
      expect(book.mayDial('1-a', now + wait)).toBe(true);
      now += wait;
    }
    book.started('1-a');
    book.succeeded('1-a');
    book.started('1-a');
    book.failedAt('1-a', now);
    expect(book.mayDial('1-a', now + 500)).toBe(true); // a success starts the count again
  });

  it('forgets the waits on a heal but keeps counting the dials under way', () => {
    const book = new DialBook(1, 250, 30_000);
    book.failedAt('1-a', 0);
    book.started('1-b');
    book.forgetFailures();
    expect(book.open).toBe(false);
    book.succeeded('1-b');
    expect(book.mayDial('1-a', 0)).toBe(true);
  });

  it('keeps the count past a connection until it has lasted, and takes a stronger wait', () => {
    const book = new DialBook(4, 500, 3_000);
    book.started('p');
    book.connected('p'); // in flight no more, its count kept
    expect(book.open).toBe(true);
    // Closed at once by the peer: its own base and ceiling, 15 s * 2^1.
    book.failedAt('p', 0, 15_000, 600_000);
    expect(book.mayDial('p', 29_999)).toBe(false);
    expect(book.mayDial('p', 30_000)).toBe(true);
    book.started('p');
    book.connected('p');
    book.failedAt('p', 30_000, 15_000, 600_000); // again: 15 s * 2^2
    expect(book.mayDial('p', 89_999)).toBe(false);
    book.forget('p'); // a connection that lasted
    expect(book.mayDial('p', 30_000)).toBe(true);
  });
});
