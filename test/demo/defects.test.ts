import { describe, expect, it } from 'vitest';
import { SHOWCASE_ROWS } from '../../src/demo/dataset.js';
import { DEFECTS, ORPHAN_ID, injectDefectsSql, repairDefectsSql } from '../../src/demo/defects.js';
import { formatDefects, formatDemoGuide, formatHiddenReaders } from '../../src/demo/guide.js';
import { HIDDEN_READERS, plantHiddenReadersSql, removeHiddenReadersSql } from '../../src/demo/hidden-readers.js';
import { normalizeValue } from '../../src/compare/normalizers.js';

// The backfill's rule in JS (dataset.ts has it in SQL): normalise whitespace, split on the first space.
const words = (name: string) => String(normalizeValue(name, ['trim', 'collapse_whitespace'])).split(' ');

describe('demo defects', () => {
  it('sit at distinct ids, each a showcase row or the orphan', () => {
    const ids = DEFECTS.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    const showcase = new Set(SHOWCASE_ROWS.map((r) => r.id));
    for (const d of DEFECTS) expect(d.id === ORPHAN_ID || showcase.has(d.id), `defect at ${d.id}`).toBe(true);
  });

  it('break rows whose names have the shape the defect needs', () => {
    const nameOf = (id: number) => SHOWCASE_ROWS.find((r) => r.id === id)?.fullName;
    for (const d of DEFECTS.filter((x) => x.kind === 'last_name_null')) expect(words(nameOf(d.id)!).length).toBeGreaterThanOrEqual(2);
    // Truncation to the first surname word only shows when the surname has several words.
    for (const d of DEFECTS.filter((x) => x.kind === 'surname_truncated')) expect(words(nameOf(d.id)!).length).toBeGreaterThanOrEqual(3);
    for (const d of DEFECTS.filter((x) => x.kind === 'missing_in_users')) expect(nameOf(d.id)).toBeTruthy();
  });

  it('are injected and repaired by id, every one of them', () => {
    const inject = injectDefectsSql();
    const repair = repairDefectsSql();
    for (const d of DEFECTS) {
      expect(inject).toContain(String(d.id));
      expect(repair).toContain(String(d.id));
    }
  });

  it('are listed for the person running the demo', () => {
    const text = formatDefects();
    for (const d of DEFECTS) expect(text).toMatch(new RegExp(`id\\s+${d.id}\\s+${d.kind}`));
  });
});

describe('demo guide', () => {
  it('prints the URLs and the curl line that runs every check', () => {
    const text = formatDemoGuide('http://127.0.0.1:8080', false);
    expect(text).toContain(`curl -X POST 'http://127.0.0.1:8080/v1/runs?wait=true' -H 'content-type: application/json' -d '{"all":true}'`);
    expect(text).toContain('http://127.0.0.1:8080/openapi.json');
    expect(text).toContain('http://127.0.0.1:8080/v1/migrations/users-split-name/gates/switch-reads?respond=body');
    expect(text).toContain('--repair');
    expect(text).toContain('node bin/parity.js gate users-split-name switch-reads --server http://127.0.0.1:8080');
    expect(text).not.toContain('switch-reads --refresh');
    const repaired = formatDemoGuide('http://127.0.0.1:8080', true);
    expect(repaired).not.toContain('--repair');
    // The results on record predate the repair: only a refreshed gate can open.
    expect(repaired).toContain('node bin/parity.js gate users-split-name switch-reads --refresh --server http://127.0.0.1:8080');
  });

  it('points at the contract gate, and lists the hidden readers it names', () => {
    expect(formatDemoGuide('http://127.0.0.1:8080', false)).toContain('node bin/parity.js gate users-split-name contract --refresh --server http://127.0.0.1:8080');
    expect(formatDemoGuide('http://127.0.0.1:8080', true)).toMatch(/catalog evidence only/);
    const text = formatHiddenReaders();
    for (const r of HIDDEN_READERS) expect(text).toContain(`${r.object}`);
  });
});

describe('demo hidden readers', () => {
  it('are planted by the seed and removed by the repair, each of them', () => {
    for (const r of HIDDEN_READERS) {
      const name = r.object.replace(/^(view|function) /, '').replace(/\(\)$/, '');
      expect(plantHiddenReadersSql()).toContain(`public.${name}`);
      expect(removeHiddenReadersSql()).toContain(`public.${name}`);
    }
  });
});
