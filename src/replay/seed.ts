/** Inserting a case's generated rows into the old schema, values bound as text. */
import type { GeneratedRow } from './arbitraries/case.js';
import type { ReplayDatabase } from './database.js';
import type { ScenarioSpec } from './scenario/schema.js';
import { quoteIdent } from './quote.js';

/** Postgres binds at most 65535 parameters per statement; stay well below. */
const MAX_PARAMS = 10_000;

/** Builds multi-row INSERTs for one table's rows (keys are left to the database). Pure. */
export function insertStatements(table: string, columns: readonly string[], rows: readonly GeneratedRow[]): { text: string; params: (string | null)[] }[] {
  if (rows.length === 0) return [];
  if (columns.length === 0) return rows.map(() => ({ text: `insert into ${quoteIdent(table)} default values`, params: [] }));
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const statements: { text: string; params: (string | null)[] }[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: (string | null)[] = [];
    const tuples = chunk.map((row) => `(${columns.map((c) => { params.push(row[c] ?? null); return `$${params.length}`; }).join(', ')})`);
    statements.push({ text: `insert into ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) values ${tuples.join(', ')}`, params });
  }
  return statements;
}

/** Inserts every table's rows in scenario order, so serial keys are 1…n in generation order. */
export async function seedRows(db: ReplayDatabase, spec: ScenarioSpec, rows: Record<string, GeneratedRow[]>): Promise<void> {
  for (const [table, tableSpec] of Object.entries(spec.tables)) {
    for (const statement of insertStatements(table, Object.keys(tableSpec.columns), rows[table] ?? [])) {
      await db.query(statement.text, statement.params);
    }
  }
}
