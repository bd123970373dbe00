import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRange, NUMERIC_PARAMS } from '../../src-shared/drift/params';

const model = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'model.md'), 'utf8');
// Table rows as trimmed cells; Prettier pads the columns, so positions are by '|' only.
const rows = model.split('\n').map((line) => line.split('|').map((cell) => cell.trim()));

describe('docs/model.md', () => {
  it.each(Object.entries(NUMERIC_PARAMS))(
    'gives %s with the default and range the code enforces',
    (name, spec) => {
      const cells = rows.find((row) => row[1] === `\`${name}\``);
      expect(cells, `no table row for ${name}`).toBeDefined();
      expect(Number(cells?.[2])).toBe(spec.default);
      expect(cells?.[3]).toBe(describeRange(spec));
    },
  );
});
