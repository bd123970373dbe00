import { rename, writeFile } from 'node:fs/promises';

/**
 * Writes to a temporary file first, so an interrupted write never leaves half a file. (The node's
 * store has its own, crash-safe writes with fsync and backups: node/store/safe-file.ts.)
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, path);
}
