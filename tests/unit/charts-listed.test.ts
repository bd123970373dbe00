import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The monitor shows the charts listed in src-renderer/views/charts.ts. A chart written but not
 * listed there would never appear, so every chart module must be imported by that list. (Read as
 * text: the renderer's modules are not part of this program's typecheck.)
 */

const views = join(import.meta.dirname, '..', '..', 'src-renderer', 'views');

describe("the monitor's charts", () => {
  it('lists every chart module of src-renderer/views in views/charts.ts', () => {
    const source = readFileSync(join(views, 'charts.ts'), 'utf8');
    const listed = /CHARTS[^=]*=\s*\[([^\]]*)\]/.exec(source)?.[1] ?? '';
    // TimeChart is what the time-series charts are built on, not a chart of its own.
    const charts = readdirSync(views).filter((f) => /Chart\.tsx$/.test(f) && f !== 'TimeChart.tsx');
    expect(charts.length).toBeGreaterThanOrEqual(3);
    for (const file of charts) {
      const name = file.replace(/\.tsx$/, '');
      expect(source, `${file} is not imported by views/charts.ts`).toContain(`from './${name}'`);
      expect(listed.split(/[\s,]+/), `${name} is not in CHARTS`).toContain(name);
    }
  });
});
