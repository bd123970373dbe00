import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRange, NUMERIC_PARAMS } from '../../src-shared/drift/params';

const model = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'model.md'), 'utf8');

describe('docs/model.md', () => {
  it.each(Object.entries(NUMERIC_PARAMS))(
    'gives %s with the default and range the code enforces',
    (name, spec) => {
      const row = model.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, `no table row for ${name}`).toBeDefined();
      const cells = (row ?? '').split(' | ').map((c) => c.trim());
      expect(Number(cells[1])).toBe(spec.default);
      expect(cells[2]).toBe(describeRange(spec));
    },
  );
});
