// The stop-signal rules of `lvs node` and `lvs lab` (src-main/cli/signals.ts), on an injected
// clock: copies of the first signal within BURST_MS are the same request, a later one forces.
import { describe, expect, it } from 'vitest';
import {
  BURST_MS,
  SignalDebouncer,
  signalExitCode,
  startedByNpm,
} from '../../src-main/cli/signals';

function clock(start = 5_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('SignalDebouncer', () => {
  it('takes the first signal as the stop and its copies within the burst as repeats', () => {
    const c = clock();
    const d = new SignalDebouncer(c.now);
    expect(d.stopping).toBe(false);
    expect(d.take()).toBe('stop');
    expect(d.stopping).toBe(true);
    expect(d.take()).toBe('repeat'); // the terminal's copy, at the same moment
    c.advance(30);
    expect(d.take()).toBe('repeat'); // a wrapper's relay, tens of ms later
    c.advance(BURST_MS - 31);
    expect(d.take()).toBe('repeat'); // still within the burst
  });

  it('forces on a signal BURST_MS or more after the first', () => {
    const c = clock();
    const d = new SignalDebouncer(c.now);
    expect(d.take()).toBe('stop');
    c.advance(BURST_MS);
    expect(d.take()).toBe('force');
  });

  it('measures the burst from the first signal: a stream of copies cannot stretch it', () => {
    const c = clock();
    const d = new SignalDebouncer(c.now);
    expect(d.take()).toBe('stop');
    const verdicts: string[] = [];
    for (let i = 0; i < 15; i++) {
      c.advance(100);
      verdicts.push(d.take());
    }
    // 100 ms apart: the first nine land before BURST_MS (1000 ms), the tenth on it.
    expect(verdicts.slice(0, 9).every((v) => v === 'repeat')).toBe(true);
    expect(verdicts.slice(9).every((v) => v === 'force')).toBe(true);
  });

  it('honours its own window', () => {
    const c = clock();
    const d = new SignalDebouncer(c.now, 200);
    expect(d.take()).toBe('stop');
    c.advance(199);
    expect(d.take()).toBe('repeat');
    c.advance(1);
    expect(d.take()).toBe('force');
  });
});

describe('signalExitCode and startedByNpm', () => {
  it('gives 128 + the signal number', () => {
    expect(signalExitCode('SIGHUP')).toBe(129);
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });

  it('knows an npm script (or npx) by npm_lifecycle_event', () => {
    expect(startedByNpm({ npm_lifecycle_event: 'lvs' })).toBe(true);
    expect(startedByNpm({ npm_lifecycle_event: 'npx' })).toBe(true);
    expect(startedByNpm({})).toBe(false);
    expect(startedByNpm({ npm_lifecycle_event: '' })).toBe(false);
  });
});
