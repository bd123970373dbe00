import { describePace } from '@shared/lab/pace';
import { describeConnection } from '../api/connection';
import { useMonitorState } from '../state/context';

/*
 * What the user must know at a glance, across the top of the window: a monitor that can no
 * longer reach its host (restarted with a new token), and a lab that cannot keep up with its
 * cycle on this machine (with what to do about it). Each is shown while it is true, and goes
 * when it passes.
 */
export function Banners() {
  const restarted = useMonitorState((s) => s.connection.kind === 'restarted');
  const pace = useMonitorState((s) => (s.labStatus ? (s.labSnapshot?.pace ?? null) : null));
  return (
    <>
      {restarted ? (
        <div className="banner banner-bad" role="alert" data-testid="restarted-banner">
          {describeConnection({ kind: 'restarted' }, 0)}
        </div>
      ) : null}
      {pace?.behind ? (
        <div className="banner banner-warn" role="status" data-testid="behind-banner">
          {describePace(pace)}
        </div>
      ) : null}
    </>
  );
}
