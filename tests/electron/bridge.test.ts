import { describe, expect, it } from 'vitest';
import { createBridge, type IpcRendererLike } from '../../src-main/electron/bridge';

type Listener = (event: unknown, ...args: unknown[]) => void;

function fakeIpc(reply: unknown) {
  const listeners = new Map<string, Set<Listener>>();
  const invoked: unknown[][] = [];
  const ipc: IpcRendererLike = {
    invoke: async (...args) => {
      invoked.push(args);
      return reply;
    },
    on: (channel, l) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    },
    removeListener: (channel, l) => listeners.get(channel)?.delete(l),
  };
  const emit = (channel: string, event: unknown, ...args: unknown[]) => {
    for (const l of listeners.get(channel) ?? []) l(event, ...args);
  };
  return { ipc, invoked, listeners, emit };
}

describe('the preload bridge', () => {
  it('exposes the version, request and subscribe only', () => {
    const bridge = createBridge(fakeIpc(null).ipc, '1.2.3');
    expect(Object.keys(bridge).sort()).toEqual(['request', 'subscribe', 'version']);
    expect(bridge.version).toBe('1.2.3');
  });

  it('invokes lvs:request and unwraps the reply into a value or an Error', async () => {
    const ok = fakeIpc({ ok: true, value: { cycle: 9 } });
    const req = { target: 'node', request: { op: 'status' } } as const;
    await expect(createBridge(ok.ipc, 'v').request(req)).resolves.toEqual({ cycle: 9 });
    expect(ok.invoked).toEqual([['lvs:request', req]]);

    const refused = createBridge(fakeIpc({ ok: false, error: 'no node: start it' }).ipc, 'v');
    const err = await refused.request(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('no node: start it');

    for (const odd of [undefined, null, 'x', { value: 1 }]) {
      const b = createBridge(fakeIpc(odd).ipc, 'v');
      await expect(b.request(req)).rejects.toThrow('the app sent no answer to the request');
    }
  });

  it('passes pushes to the listener without the IPC event, and unsubscribes once', () => {
    const f = fakeIpc(null);
    const bridge = createBridge(f.ipc, 'v');
    const got: unknown[][] = [];
    const off = bridge.subscribe((...args: unknown[]) => got.push(args));
    f.emit('lvs:push', { sender: 'secret', ports: [] }, { kind: 'app' });
    f.emit('other', {}, { kind: 'nope' });
    expect(got).toEqual([[{ kind: 'app' }]]);
    off();
    off();
    f.emit('lvs:push', {}, { kind: 'app' });
    expect(got).toHaveLength(1);
    expect(f.listeners.get('lvs:push')?.size).toBe(0);
    expect(() => bridge.subscribe('nope' as never)).toThrow(TypeError);
  });
});
