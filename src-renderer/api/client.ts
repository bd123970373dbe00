import type { LabCommandInput, LabQuery, LabResponses, LabStatus } from '@shared/api/lab-api';
import type { AppRequestInput, AppResponses, MonitorApi } from '@shared/api/monitor-api';
import type { NodeRequest, NodeResponses } from '@shared/api/node-api';
import { errorMessage } from '@shared/error-message';

/** A lab request as the monitor writes it (defaults left to the host's schema). */
export type LabRequestInput = LabQuery | LabCommandInput;

/** A lab query's answer, or the lab's status after a command. */
export type LabAnswer<R extends { readonly op: string }> = R['op'] extends keyof LabResponses
  ? LabResponses[R['op']]
  : LabStatus;

/** Typed requests to the three targets a host serves. */
export interface MonitorClient {
  app<R extends AppRequestInput>(req: R): Promise<AppResponses[R['op']]>;
  node<R extends NodeRequest>(req: R): Promise<NodeResponses[R['op']]>;
  lab<R extends LabRequestInput>(req: R): Promise<LabAnswer<R>>;
}

export function monitorClient(api: MonitorApi): MonitorClient {
  return {
    app: (request) => api.request({ target: 'app', request }) as never,
    node: (request) => api.request({ target: 'node', request }) as never,
    lab: (request) => api.request({ target: 'lab', request }) as never,
  };
}

/**
 * A failed request as the one line the window shows. Electron's IPC wraps the host's message as
 * "Error invoking remote method 'channel': Error: message"; keep only the message.
 */
export function errorLine(err: unknown): string {
  let text = errorMessage(err);
  text = text.replace(/^Error invoking remote method '[^']*':\s*/, '');
  text = text.replace(/^(?:[A-Z][A-Za-z]*Error|Error):\s*/, '');
  const first = text.split('\n', 1)[0]?.trim() ?? '';
  return first === '' ? 'the request failed' : first;
}
