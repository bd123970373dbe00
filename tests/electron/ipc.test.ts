import { describe, expect, it } from 'vitest';
import type { MonitorPush } from '../../src-shared/api/monitor-api';
import {
  createIpcHandler,
  oneLine,
  pushToWindow,
  UNTRUSTED_SENDER,
} from '../../src-main/electron/ipc';
import { MonitorError } from '../../src-main/monitor/monitor-host';
import { APP_INDEX_URL, type FrameLike } from '../../src-main/electron/security';

const frame: FrameLike = { url: APP_INDEX_URL, processId: 1, frameToken: 't', parent: null };

function handler(handle: (raw: unknown) => Promise<unknown>, trusted = true) {
  const logged: string[] = [];
  const seen: unknown[] = [];
  const h = createIpcHandler({
    host: {
      handle: (raw) => {
        seen.push(raw);
        return handle(raw);
      },
    },
    isTrustedSender: (f) => trusted && f === frame,
    log: (line) => logged.push(line),
  });
  return { h, logged, seen };
}

describe('createIpcHandler', () => {
  it("answers with the host's value", async () => {
    const { h } = handler(async () => ({ cycle: 3 }));
    await expect(
      h({ senderFrame: frame }, { target: 'node', request: { op: 'status' } }),
    ).resolves.toEqual({ ok: true, value: { cycle: 3 } });
  });

  it('refuses an untrusted sender before looking at the payload', async () => {
    const { h, seen, logged } = handler(async () => 'never', false);
    await expect(
      h({ senderFrame: frame }, { target: 'app', request: { op: 'info' } }),
    ).resolves.toEqual({ ok: false, error: UNTRUSTED_SENDER });
    await expect(h({ senderFrame: null }, {})).resolves.toEqual({
      ok: false,
      error: UNTRUSTED_SENDER,
    });
    expect(seen).toEqual([]);
    expect(logged).toHaveLength(2);
  });

  it('refuses when the sender check itself throws (a frame that is gone)', async () => {
    const h = createIpcHandler({
      host: { handle: async () => 'never' },
      isTrustedSender: () => {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
    });
    await expect(h({ senderFrame: frame }, {})).resolves.toEqual({
      ok: false,
      error: UNTRUSTED_SENDER,
    });
  });

  it('refuses anything but a plain object early, and oversized requests', async () => {
    const { h, seen } = handler(async () => 'never');
    for (const payload of [null, undefined, 'info', 7, true, [1], () => 1]) {
      const reply = await h({ senderFrame: frame }, payload);
      expect(reply).toEqual({
        ok: false,
        error: 'a request must be an object with target and request',
      });
    }
    const big = await h({ senderFrame: frame }, { target: 'app', request: 'x'.repeat(70_000) });
    expect(big).toEqual({ ok: false, error: 'a request must be under 65536 bytes' });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(await h({ senderFrame: frame }, cyclic)).toEqual({
      ok: false,
      error: 'a request must be plain data',
    });
    expect(seen).toEqual([]);
  });

  it('turns every failure into one line without a stack, and never throws', async () => {
    const multi = new Error('first line\n    at secret (/home/me/src/x.ts:1:2)\n  more');
    for (const [thrown, error] of [
      [
        new MonitorError('no lab is running: start one first'),
        'no lab is running: start one first',
      ],
      [multi, 'first line at secret (/home/me/src/x.ts:1:2) more'],
      ['a string', 'a string'],
      [undefined, 'the request failed'],
      [{ weird: true }, 'the request failed'],
      [new Error('x'.repeat(1000)), `${'x'.repeat(399)}…`],
    ] as const) {
      const { h } = handler(() => Promise.reject(thrown));
      const reply = await h({ senderFrame: frame }, { target: 'app', request: { op: 'info' } });
      expect(reply).toEqual({ ok: false, error });
      expect(JSON.stringify(reply)).not.toContain('\\n');
    }
  });

  it('logs faults with their detail, but not the host refusing a request', async () => {
    const refusing = handler(() => Promise.reject(new MonitorError('no')));
    await refusing.h({ senderFrame: frame }, { target: 'x', request: {} });
    expect(refusing.logged).toEqual([]);
    const faulty = handler(() => Promise.reject(new TypeError('cannot read x of undefined')));
    await faulty.h({ senderFrame: frame }, { target: 'x', request: {} });
    expect(faulty.logged).toEqual(['IPC request failed: cannot read x of undefined']);
  });
});

describe('oneLine', () => {
  it('collapses control characters and whitespace', () => {
    expect(oneLine(new Error(' a\r\n\tb\u0000c  '))).toBe('a b c');
  });
});

describe('pushToWindow', () => {
  const push: MonitorPush = { kind: 'node-event', event: {} as never };

  function fakeWindow() {
    const sent: unknown[][] = [];
    const w = {
      destroyed: false,
      contentsDestroyed: false,
      isDestroyed: () => w.destroyed,
      webContents: {
        isDestroyed: () => w.contentsDestroyed,
        send: (...args: unknown[]) => {
          if (w.destroyed || w.contentsDestroyed) throw new Error('Object has been destroyed');
          sent.push(args);
        },
      },
    };
    return { w, sent };
  }

  it('sends each push to the main window on the push channel', () => {
    const { w, sent } = fakeWindow();
    pushToWindow('lvs:push', () => w)(push);
    expect(sent).toEqual([['lvs:push', push]]);
  });

  it('sends nothing while there is no window, or it or its contents are destroyed', () => {
    const { w, sent } = fakeWindow();
    const send = pushToWindow('lvs:push', () => w);
    pushToWindow('lvs:push', () => null)(push);
    w.contentsDestroyed = true;
    send(push);
    w.destroyed = true;
    send(push);
    expect(sent).toEqual([]);
  });
});
