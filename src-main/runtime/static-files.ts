import { existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/*
 * The built renderer on disk: where it is, and which file a request path names inside it. No
 * path leaves the folder (not by `..`, an encoded separator or a link), and folders are never
 * listed. Here in runtime/ because two listeners serve from it: the web monitor (monitor/) and
 * the join page (node/join/), which may not import from monitor/.
 */

/** A file to serve: its real path (links followed) and its size, for Content-Length. */
export interface StaticFile {
  readonly path: string;
  readonly size: number;
}

/**
 * The built renderer (out/renderer), found from this module: from the sources
 * (src-main/runtime/ → ../../out/renderer), from the build (out/main/ → ../renderer), else
 * process.cwd()/out/renderer. The first that holds `page` (the monitor's index.html, or the
 * join page's node.html); if none does, the last (the server then answers 503 "run npm run
 * build", and the monitor's API still works).
 */
export function defaultRendererDir(page = 'index.html'): string {
  const here = import.meta.dirname;
  const candidates = [
    resolve(here, '../../out/renderer'),
    resolve(here, '../renderer'),
    resolve(process.cwd(), 'out/renderer'),
  ];
  return candidates.find((d) => existsSync(join(d, page))) ?? candidates.at(-1)!;
}

/** Whether the page itself is built: without it a missing file is "not built", not "not found". */
export function pageBuilt(root: string, page = 'index.html'): boolean {
  return existsSync(join(root, page));
}

/**
 * The file a request path names under root, or null (404), or 'bad' (400). The path is
 * decoded once, must not hold a NUL, a backslash or a `..` segment, and after resolving (and
 * following links) must stay under root. `/` is index.html; folders are never listed.
 */
export async function staticFile(
  root: string,
  rawPath: string,
): Promise<StaticFile | null | 'bad'> {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return 'bad';
  }
  if (!path.startsWith('/') || /[\0\\]/.test(path)) return 'bad';
  if (path.split('/').some((seg) => seg === '..')) return null;
  if (path.endsWith('/')) path += 'index.html';
  const full = resolve(root, `.${path}`);
  if (!inside(root, full)) return null;
  try {
    const real = await realpath(full);
    if (!inside(await realpath(root), real)) return null;
    const s = await stat(real);
    return s.isFile() ? { path: real, size: s.size } : null;
  } catch {
    return null;
  }
}

function inside(root: string, full: string): boolean {
  const rel = relative(root, full);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
