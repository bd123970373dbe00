import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenario, ScenarioError, type Scenario } from '../../src-shared/lab/scenario';

/*
 * Scenario files on disk: the shipped ones by name, or any file by path.
 *
 * The shipped scenarios live in resources/scenarios at the repository's root. This module runs
 * from its source (src-main/lab/) and from the build (a chunk in out/main/); both sit two levels
 * under the root, so `../../resources/scenarios` from this module's own URL finds the folder in
 * either case. When that is missing (a copied bundle, say), `resources/scenarios` under the
 * working directory is tried. The packaged desktop app ships out/ inside its archive and the
 * scenarios beside it as extra resources (electron-builder.yml: resources/scenarios ->
 * scenarios), so under Electron `process.resourcesPath/scenarios` is looked in first.
 */

function scenarioFolders(): string[] {
  // Defined by Electron only (main and renderer processes); undefined under plain Node.
  const packaged = (process as { resourcesPath?: string }).resourcesPath;
  return [
    ...(packaged ? [join(packaged, 'scenarios')] : []),
    fileURLToPath(new URL('../../resources/scenarios/', import.meta.url)),
    resolve(process.cwd(), 'resources', 'scenarios'),
  ];
}

function shippedFolder(): string {
  const folders = scenarioFolders();
  const found = folders.find((f) => existsSync(f) && statSync(f).isDirectory());
  if (!found)
    throw new ScenarioError(`no shipped scenarios found (looked in ${folders.join(' and ')})`);
  return found;
}

/** The names of the shipped scenarios, sorted. */
export async function listScenarios(): Promise<string[]> {
  const files = await readdir(shippedFolder());
  return files
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** A bare name (no slash, no .json) names a shipped scenario; anything else is a path. */
function isName(nameOrPath: string): boolean {
  return !/[/\\]/.test(nameOrPath) && !nameOrPath.toLowerCase().endsWith('.json');
}

/**
 * Loads and checks a scenario: a shipped one by name ("partition-heal") or a file by path
 * ("./my.json", "runs/x.json"). Every failure is a ScenarioError with one line.
 */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  let path = nameOrPath;
  if (isName(nameOrPath)) {
    const names = await listScenarios();
    if (!names.includes(nameOrPath))
      throw new ScenarioError(
        `unknown scenario "${nameOrPath}"; shipped scenarios: ${names.join(', ')} (or give a path to a .json file)`,
      );
    path = resolve(shippedFolder(), `${nameOrPath}.json`);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ScenarioError(`no scenario file at ${path}`);
    if (code === 'EISDIR') throw new ScenarioError(`${path} is a folder, not a scenario file`);
    throw new ScenarioError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseScenario(text, path);
}
