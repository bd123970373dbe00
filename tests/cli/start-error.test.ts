import { describe, expect, it } from 'vitest';
import { EXIT, ExitError, UsageError } from '../../src-main/cli/errors';
import { startError } from '../../src-main/cli/lab-command';
import { LabFolderNotEmptyError, LabStartError } from '../../src-main/lab/lab';

/* `lvs lab`'s start failures are told apart by class: the user's folder, or the lab's wiring. */

describe('lvs lab: a start failure', () => {
  it('a folder that is not empty is the user`s to fix: --dir, exit 2', () => {
    const err = new LabFolderNotEmptyError('/tmp/lab-1', 3);
    expect(err).toMatchObject({ dir: '/tmp/lab-1', entries: 3 });
    const out = startError(err);
    expect(out).toBeInstanceOf(UsageError);
    expect(out.message).toBe(
      '--dir: the lab folder /tmp/lab-1 is not empty (3 entries); choose a new folder',
    );
  });

  it('any other start failure is the machine`s, even when its words say "not empty"', () => {
    const out = startError(new LabStartError('the dial queue is not empty after 30 s'));
    expect(out).toBeInstanceOf(ExitError);
    expect((out as ExitError).exitCode).toBe(EXIT.failure);
    expect(out.message).toBe('the lab could not start: the dial queue is not empty after 30 s');
  });
});
