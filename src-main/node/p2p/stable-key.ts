import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { constants } from 'node:fs';
import { link, mkdir, open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../../src-shared/error-message';
import type { NodeLog } from '../lvs-node';
import { notAFileKind } from '../store/safe-file';

/*
 * A stable transport key, for a node whose user asks to keep its peer id across restarts
 * (docs/model.md, "What a node holds": otherwise the key is new at every start). Kept in the
 * data folder, readable by its owner only.
 */

export const KEY_FILE = 'node.key';

/** The key file cannot be read, written or understood: one line for the user. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}

/** An Ed25519 key in libp2p's protobuf is 68 bytes; anything much larger is not a key file. */
const MAX_KEY_BYTES = 4096;
/** Opening a FIFO swapped in after the stat still returns at once. */
const READ_FLAGS = constants.O_RDONLY | ((constants as Partial<typeof constants>).O_NONBLOCK ?? 0);

/**
 * The transport key kept in `<data>/node.key` (--stable-key): read it, or make one. It is
 * written to a temporary file first and linked into place, so a crash never leaves half a key
 * and two nodes starting at once end up with the same one.
 */
export async function loadOrCreateKey(dir: string, log: NodeLog): Promise<PrivateKey> {
  const file = join(dir, KEY_FILE);
  const read = async (): Promise<PrivateKey | null> => {
    let bytes: Buffer;
    let mode: number;
    try {
      // Type and size before opening: a FIFO would block the start for good, and a large
      // file cannot be a key.
      const info = await stat(file);
      if (!info.isFile())
        throw new KeyFileError(
          `${file} is a ${notAFileKind(info)}, not a regular file: LVS Node never makes one there and will not open it; move it away`,
          file,
        );
      if (info.size > MAX_KEY_BYTES)
        throw new KeyFileError(
          `${file} is ${info.size} bytes, larger than any key file (at most ${MAX_KEY_BYTES}); move it aside to make a new one (the node then gets a new peer id)`,
          file,
        );
      mode = info.mode;
      const handle = await open(file, READ_FLAGS);
      try {
        bytes = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (err instanceof KeyFileError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new KeyFileError(`cannot read ${file}: ${errorMessage(err)}`, file);
    }
    let key: PrivateKey;
    try {
      key = privateKeyFromProtobuf(bytes);
    } catch {
      throw new KeyFileError(
        `${file} holds no private key; move it aside to make a new one (the node then gets a new peer id)`,
        file,
      );
    }
    if (process.platform !== 'win32' && (mode & 0o077) !== 0)
      log.warn(`${file} can be read by other users (chmod 600 ${file})`);
    return key;
  };
  const found = await read();
  if (found) return found;
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new KeyFileError(`cannot create the data folder ${dir}: ${errorMessage(err)}`, file);
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
      throw new KeyFileError(`cannot write ${file}: ${errorMessage(err)}`, file);
    const theirs = await read(); // another node made one at the same moment
    if (theirs) return theirs;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  log.info(`made a new transport key in ${file}; this node keeps its peer id across restarts`);
  return key;
}
