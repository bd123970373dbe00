import { NodePool } from '../../src-shared/lab/node-pool';
import type { PoolInit, PoolNotice, PoolRequest } from '../../src-shared/lab/pool-protocol';
import { BrowserLauncher } from './lab-launcher';

/*
 * A lab tab: one browser node of a lab, driven by the lab's controller through Playwright. The
 * controller calls `lvsLabTab.start` once and then `lvsLabTab.handle` per command, the same
 * commands a lab worker thread answers (src-shared/lab/pool-protocol.ts); the node's warnings
 * and its new addresses go back through the `lvsLabNotice` binding the controller exposed.
 */

interface LabTabWindow {
  lvsLabTab?: {
    start(init: PoolInit): void;
    handle(req: PoolRequest): Promise<unknown>;
  };
  lvsLabNotice?: (notice: PoolNotice) => Promise<void>;
}

const tab = window as unknown as LabTabWindow;
let pool: NodePool | null = null;

tab.lvsLabTab = {
  start(init) {
    if (pool) throw new Error('this lab tab runs its node already');
    pool = new NodePool(init, new BrowserLauncher(init), (notice) => {
      void tab.lvsLabNotice?.(notice);
    });
  },
  handle(req) {
    if (!pool) return Promise.reject(new Error('this lab tab was not started'));
    return pool.handle(req);
  },
};
document.documentElement.dataset['labTab'] = 'ready';
