/**
 * Renames pg_stat_statements recorded (pure). A *swap* of names (`full_name` → `full_name_old`,
 * `full_name_new` → `full_name`; the same with tables, or schemas) leaves every name an old text
 * spells existing, so the text of an entry first called before it reads as another column or table
 * than its queryid (oids and column numbers) counts. Nothing in the catalog dates a rename, so the
 * evidence is the `ALTER … RENAME` / `ALTER … SET SCHEMA` statements themselves, which
 * pg_stat_statements keeps (utility statements, any role) while track_utility is on.
 */
import { parseSql } from '../../sql/parser.js';
import { walkSqlTree } from '../../sql/tree-walk.js';
import type { CatalogNames, StatementNames } from './opaque-statements.js';
import type { RelationName } from './targets.js';
import { mentionsWord } from './targets.js';

/** What the recorded renames touched: relation and schema names (old and new), or a rename whose names cannot be read. */
export interface RecordedRenames {
  names: Set<string>;
  /** Why some recorded rename's names cannot be read (a DO block that renames); then every name counts as touched. */
  unreadable: string | undefined;
}

/** Renames that move a relation's name or schema; an index, constraint, trigger or sequence renamed changes no name a statement reads through. */
const RELATIONS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE']);

/** An empty record, to add statement texts to. */
export function noRenames(): RecordedRenames {
  return { names: new Set(), unreadable: undefined };
}

/**
 * Adds the names one recorded statement text renames: the relation of `ALTER TABLE/VIEW … RENAME
 * [COLUMN]` (with its new name) and of `… SET SCHEMA`, both names of `ALTER SCHEMA … RENAME`. A renamed attribute of a composite type renames the columns of every
 * table typed by it (CASCADE), and a DO block may rename anything: both touch every name.
 */
export function addRenames(text: string, into: RecordedRenames): void {
  if (!/rename|set\s+schema|pg_stat_statements\.track|compute_query_id/i.test(text)) return;
  const parsed = parseSql(text);
  if (parsed.kind === 'syntax_error') return;
  walkSqlTree(parsed.tree, ({ type, fields, key }) => {
    const relation = fields['relation'] as { relname?: unknown; schemaname?: unknown } | undefined;
    const add = (...names: unknown[]) => { for (const n of names) if (typeof n === 'string') into.names.add(n); };
    if (type === 'RenameStmt') {
      const kind = String(fields['renameType']);
      if (kind === 'OBJECT_SCHEMA') add(fields['subname'], fields['newname']);
      else if (RELATIONS.has(kind)) add(relation?.relname, fields['newname']);
      else if (kind === 'OBJECT_COLUMN') add(relation?.relname);
      else if (kind === 'OBJECT_ATTRIBUTE') into.unreadable ??= `\`${text.slice(0, 120)}\` renames the columns of tables typed by ${String(relation?.relname)}`;
    }
    // A relation moved keeps its name: texts naming it by that name (in whichever schema) are touched.
    if (type === 'AlterObjectSchemaStmt' && RELATIONS.has(String(fields['objectType']))) add(relation?.relname);
    // A session (or ALTER SYSTEM) that stopped recording utility statements left its renames unrecorded.
    if ((type === 'VariableSetStmt' || key === 'setstmt') && stopsRecordingRenames(fields)) {
      into.unreadable ??= `\`${text.slice(0, 120)}\` stopped recording utility statements, so renames after it are not recorded`;
    }
    // A DO block, or a routine created with a body that renames (below track = all its statements are not recorded when it runs).
    if (type === 'DoStmt' || type === 'CreateFunctionStmt') {
      const options = fields[type === 'DoStmt' ? 'args' : 'options'];
      const as = (Array.isArray(options) ? options as { DefElem?: { defname?: string; arg?: unknown } }[] : []).find((a) => a.DefElem?.defname === 'as')?.DefElem?.arg;
      const parts: string[] = [];
      walkSqlTree(as, ({ type: part, fields: f }) => { if (part === 'String' && typeof f['sval'] === 'string') parts.push(f['sval']); });
      const body = parts.join('\n');
      if (mentionsWord(body, 'rename') || /set\s+schema/i.test(body)) into.unreadable ??= `${type === 'DoStmt' ? 'a DO block' : 'a routine'} that renames: \`${text.slice(0, 120)}\``;
    }
  });
}

/** Settings whose values other than these leave a session's ALTER … RENAME unrecorded. */
const RECORDING: Record<string, readonly string[]> = {
  'pg_stat_statements.track': ['top', 'all'],
  'pg_stat_statements.track_utility': ['on', 'true', 'yes', '1'],
  compute_query_id: ['on', 'auto', 'regress', 'true', 'yes', '1'],
};

function stopsRecordingRenames(fields: Readonly<Record<string, unknown>>): boolean {
  const keeps = RECORDING[String(fields['name']).toLowerCase()];
  if (!keeps || fields['kind'] !== 'VAR_SET_VALUE') return false;
  const args = Array.isArray(fields['args']) ? fields['args'] as { A_Const?: { sval?: { sval?: string }; ival?: { ival?: number }; boolval?: { boolval?: boolean } } }[] : [];
  const value = args[0]?.A_Const;
  const text = value?.sval?.sval ?? (value?.ival ? String(value.ival.ival ?? 0) : value?.boolval ? String(value.boolval.boolval ?? false) : undefined);
  return text === undefined || !keeps.includes(text.toLowerCase());
}

/** True when a recorded rename touched a relation of the shape: its name or its schema's, now or before. */
export function renamesTouch(renames: RecordedRenames, shapeRelations: readonly RelationName[]): boolean {
  return renames.unreadable !== undefined || shapeRelations.some((r) => renames.names.has(r.name) || renames.names.has(r.schema));
}

/**
 * Why a plannable text may read another relation or column than it spells after a recorded swap,
 * or undefined. Touched are the relations it names by a touched name, written with a touched
 * schema, or left unqualified where a schema by a touched name holds that relation today (a schema
 * swap under the role's search_path).
 */
export function swappedName(names: StatementNames, renames: RecordedRenames, catalog: CatalogNames): string | undefined {
  if (!names.plannable) return undefined;
  const remedy = 'so a text recorded before it may name another table or column than its queryid counts (once no reader needs the old texts, reset the rename\'s entry too)';
  if (renames.unreadable !== undefined && names.relations.length > 0) return `pg_stat_statements holds a rename whose names cannot be read (${renames.unreadable}), ${remedy}`;
  const hit = names.relations.find((r) => renames.names.has(r.name)
    || (r.schema !== undefined ? renames.names.has(r.schema) : [...catalog.schemasOf.get(r.name) ?? []].some((s) => renames.names.has(s))));
  if (!hit) return undefined;
  return `pg_stat_statements holds an ALTER … RENAME or SET SCHEMA of ${hit.schema === undefined ? '' : `${hit.schema}.`}${hit.name}, its schema or its columns, ${remedy}`;
}
