// npm run security:electron: Electronegativity over the Electron shell's sources and the built
// renderer page (its CSP). Fails on any HIGH or MEDIUM finding. A finding judged safe is
// suppressed in the code itself, next to its reason (`/* eng-disable CHECK_NAME */`), which is
// why the TypeScript sources are scanned rather than the bundle (the bundler drops comments).
// Runs offline: the Electron version is given, so the tool does not look it up. The tool lives
// in tools/electronegativity (its own lockfile; see the package.json there for why), installed
// on first use.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const tool = join(root, 'tools', 'electronegativity');
const bin = join(tool, 'node_modules', '.bin', 'electronegativity');
if (!existsSync(bin)) {
  console.log('installing Electronegativity into tools/electronegativity (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: tool,
    stdio: 'inherit',
  });
}
const electron = JSON.parse(
  readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8'),
).version;
const shell = join(root, 'src-main', 'electron');
const page = join(root, 'out', 'renderer', 'index.html');
if (!existsSync(page)) {
  console.error('security:electron checks the built renderer too: run npm run build first');
  process.exit(2);
}

// One scan over the shell and the page together: the tool's global checks (navigation limits,
// permission handler) look across everything it is given, so scanning the page alone fails them.
const work = mkdtempSync(join(tmpdir(), 'lvs-eneg-'));
let findings;
try {
  const input = join(work, 'app');
  cpSync(shell, join(input, 'src-main', 'electron'), { recursive: true });
  cpSync(page, join(input, 'out', 'renderer', 'index.html'));
  // The tool can exit before its report is fully written (seen once in CI: a cut-off last row),
  // so a report with a short row is taken again, up to three times.
  for (let attempt = 1; attempt <= 3 && !findings; attempt++) {
    const out = join(work, `report-${attempt}.csv`);
    const run = spawnSync(bin, ['-i', input, '-e', electron, '-o', out, '-v', 'false', '-r'], {
      encoding: 'utf8',
    });
    const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
    const rows = parseCsv(text).slice(1);
    if (text !== '' && rows.every((r) => r.length >= 7)) findings = rows;
    else if (attempt === 3) {
      console.error(`electronegativity gave no complete report:\n${text}\n${run.stderr}`);
      process.exit(1);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const blocking = findings.filter(([, severity]) => severity === 'HIGH' || severity === 'MEDIUM');
for (const [issue, severity, confidence, file, location, , description] of findings)
  console.log(
    `${severity.padEnd(13)} ${issue} (${confidence}) ${file.replace(root + '/', '')}:${location}: ${description}`,
  );
console.log(
  `electronegativity (Electron ${electron}): ${findings.length} finding(s), ${blocking.length} HIGH or MEDIUM`,
);
process.exit(blocking.length > 0 ? 1 : 0);

/** Rows of a CSV with quoted fields (quotes doubled inside), as the tool writes it. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field.trim());
      field = '';
    } else if (ch === '\n') {
      row.push(field.trim());
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field.trim()]);
  return rows;
}
