import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeLog } from '../lvs-node';

/*
 * A stable transport key, for a node whose user asks to keep its peer id across restarts
 * (docs/model.md, "What a node holds": otherwise the key is new at every start). Kept in the
 * data folder, readable by its owner only.
 */

export const KEY_FILE = 'node.key';

/** The key file cannot be read, written or understood: one line for the user. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The transport key kept in `<data>/node.key` (--stable-key): read it, or make one. It is
 * written to a temporary file first and linked into place, so a crash never leaves half a key
 * and two nodes starting at once end up with the same one.
 */
export async function loadOrCreateKey(dir: string, log: NodeLog): Promise<PrivateKey> {
  const file = join(dir, KEY_FILE);
  const read = async (): Promise<PrivateKey | null> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new KeyFileError(`cannot read ${file}: ${reason(err)}`);
    }
    try {
      const key = privateKeyFromProtobuf(bytes);
      const { mode } = await stat(file);
      if (process.platform !== 'win32' && (mode & 0o077) !== 0)
        log.warn(`${file} can be read by other users (chmod 600 ${file})`);
      return key;
    } catch {
      throw new KeyFileError(
        `${file} holds no private key; move it aside to make a new one (the node then gets a new peer id)`,
      );
    }
  };
  const found = await read();
  if (found) return found;
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new KeyFileError(`cannot create the data folder ${dir}: ${reason(err)}`);
  }
  const key = await generateKeyPair('Ed25519');
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(privateKeyToProtobuf(key));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new KeyFileError(`cannot write ${file}: ${reason(err)}`);
    const theirs = await read(); // another node made one at the same moment
    if (theirs) return theirs;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  log.info(`made a new transport key in ${file}; this node keeps its peer id across restarts`);
  return key;
}
