import { act, render } from '@testing-library/react';
import { createElement } from 'react';
import { App } from '../../../src-renderer/App';
import { monitorClient } from '../../../src-renderer/api/client';
import { MonitorStore } from '../../../src-renderer/state/store';
import type { FakeHost } from './fake-host';

/** Renders the whole monitor against a fake host; waits for the first info request. */
export async function renderApp(host: FakeHost) {
  const store = new MonitorStore({ initialConnection: host.state() });
  const monitor = { host, client: monitorClient(host.api), store };
  const view = render(createElement(App, { monitor }));
  await settle();
  return { ...view, store, monitor };
}

/** Lets pending promises (fake host answers) and their React updates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await act(async () => await Promise.resolve());
}

/** jsdom has no canvas: getContext answers null (drawing is skipped) without jsdom's warning. */
export function noCanvas(): void {
  HTMLCanvasElement.prototype.getContext = (() => null) as never;
}
