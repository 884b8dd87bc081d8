/**
 * A replay case as a person reads it: rows numbered as the database will key them, invisible
 * characters spelt out (NBSP, tabs, zero-width and combining marks), writes in the order they run.
 */
import type { AppWrite, ReplayCase, Value } from './arbitraries/case.js';
import type { ScenarioSpec } from './scenario/schema.js';

/** Characters a reader cannot see or tell apart: spaces other than ' ', controls, format chars, combining marks. */
const INVISIBLE = /[\p{Z}\p{Cc}\p{Cf}\p{M}]/gu;

/** A value as JSON text with invisible characters escaped as \uXXXX (a plain space stays). */
export function showValue(value: Value): string {
  if (value === null) return 'NULL';
  const json = JSON.stringify(value);
  return json.replace(INVISIBLE, (c) => (c === ' ' ? c : `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`));
}

function describeWrite(spec: ScenarioSpec, phase: 'before_switch' | 'after_switch', w: AppWrite): string {
  const op = spec.app[phase][w.op];
  if (!op) return `write #${w.op} (not in this scenario)`;
  const values = op.params.map((ref) => {
    const [table, column] = ref.split('.') as [string, string];
    return spec.tables[table]?.key.includes(column) ? `${ref} = existing row #${w.key} (mod row count)` : `${ref} = ${showValue(w.values[ref] ?? null)}`;
  });
  return `${op.sql}${values.length > 0 ? `  with ${values.join(', ')}` : ''}`;
}

/** Multi-line description of a case. */
export function describeCase(spec: ScenarioSpec, c: ReplayCase): string {
  const lines: string[] = [];
  lines.push(`batch size ${c.batchSize}; ${c.kill === null ? 'no kill' : `backfill killed before COMMIT in batch attempt ${c.kill}, then restarted`}`);
  for (const [table, rows] of Object.entries(c.rows)) {
    lines.push(`${table}: ${rows.length} row${rows.length === 1 ? '' : 's'} (keys 1…${rows.length} in this order)`);
    rows.forEach((row, i) => {
      lines.push(`  ${i + 1}: ${Object.entries(row).map(([column, value]) => `${column}=${showValue(value)}`).join(', ')}`);
    });
  }
  if (c.writes.length > 0) {
    lines.push('application writes before the read switch:');
    for (const w of [...c.writes].sort((a, b) => a.at - b.at)) lines.push(`  before batch attempt ${w.at}: ${describeWrite(spec, 'before_switch', w)}`);
  }
  if (c.afterSwitch.length > 0) {
    lines.push('application writes after the read switch:');
    c.afterSwitch.forEach((w, i) => lines.push(`  ${i + 1}. ${describeWrite(spec, 'after_switch', w)}`));
  }
  lines.push(`mutation pick: choice ${c.mutation.choice}, step ${c.mutation.at}, victim ${c.mutation.victim}`);
  return lines.join('\n');
}
