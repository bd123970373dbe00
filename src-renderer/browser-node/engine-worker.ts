import { errorMessage } from '../../src-shared/error-message';
import { answerCommand, driftFrom, type AnyDrift } from '../../src-shared/node/engine-core';
import type { EngineCommand, EngineInit, EngineReply } from '../../src-shared/node/engine-protocol';

/*
 * A browser node's drift engine: its NodeDrift in a Web Worker, so a cycle's arithmetic never
 * competes with the page's libp2p host and its drawing. The first message is the init; every
 * later one is a command, answered with the kernel the desktop node runs (engine-core).
 */

type Message = { readonly init: EngineInit } | EngineCommand;

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Message>) => void) | null;
  postMessage(reply: EngineReply): void;
};

let drift: AnyDrift | undefined;
/** Why the init failed: every command is answered with it, so the page hears why. */
let failure: string | undefined;

scope.onmessage = (e) => {
  const msg = e.data;
  if ('init' in msg) {
    try {
      drift = driftFrom(msg.init);
    } catch (err) {
      failure = errorMessage(err);
    }
    return;
  }
  if (drift) scope.postMessage(answerCommand(drift, msg));
  else scope.postMessage({ id: msg.id, ok: false, error: failure ?? 'the engine was not started' });
};
