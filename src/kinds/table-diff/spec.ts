/**
 * table_diff as written in a check file, and the pure planning that follows from it: which columns
 * are compared, what each side reads, how rows are hashed. The I/O lives in table-diff.ts.
 */
import { z } from 'zod';
import { addConstantScopeIssues } from '../../checkfile/constant-scope.js';
import { normalizeSql, normalizerSchema, type Normalizer } from '../../compare/normalizers.js';
import { foldsText } from '../container-normalizers.js';
import { baseCheckShape, expressionSchema, keyColumnsSchema, minRowsSchema, sourceNameSchema, tableRefSchema } from '../../checkfile/common.js';
import { parseColumnName } from '../../sql/identifiers.js';
import { columnSql, expressionSql, type SQL } from '../../sql/build.js';
import { realAsDoubleSql } from '../exact-compare.js';
import { columnExpression, filterShape, valueShape, type ColumnRenaming } from '../../sql/shape.js';
import type { SideRead, SideRenaming } from '../types.js';
import { planFingerprint, type DiffSide, type HashScheme, type SideTypes } from './plan.js';
import { newRowHashSalt, valueFormsOf, type RowHashMode } from './row-hash.js';
import { Fault } from '../../results/fault.js';
import { compositeFieldsDiffer, compositeFieldsFault } from '../composite-fields.js';
import { INTEGER_TYPES } from '../../introspect/primary-key.js';
import { stopAfterProblem, stopAfterSchema } from '../stop-after.js';

const sideSchema = z.strictObject({ source: sourceNameSchema, table: tableRefSchema, where: expressionSchema.optional() });

/** The table_diff check as written in a check file. */
export const tableDiffSchema = z
  .strictObject({
    ...baseCheckShape,
    kind: z.literal('table_diff'),
    key: keyColumnsSchema,
    old: sideSchema,
    new: sideSchema,
    /** old column name → new expression; left out: every non-key column of old, by name on both sides. */
    columns: z.record(z.string(), expressionSchema).optional(),
    normalize: z.record(z.string(), z.array(normalizerSchema).max(16)).default({}),
    max_differences: z.number().int().min(0).default(0),
    /** Fewest rows each side must hold in scope; fewer is "could not verify", never a vacuous pass. */
    min_rows: minRowsSchema,
    sample: z.number().int().min(0).max(1000).default(20),
    /**
     * Row hash: `fast` (the server's built-in seeded hash when a per-run probe shows both sides
     * compute it alike, else sha256) or `sha256` (always; for data an adversary may craft).
     */
    row_hash: z.enum(['fast', 'sha256']).default('fast'),
    /** Stop drilling once this many differing rows are found; default: over max_differences with a full sample. */
    stop_after: stopAfterSchema,
    /**
     * Diff in key-range segments of this many old-side rows, each recorded in the state store so an
     * interrupted run resumes after the last one; 0: one pass over the whole table; left out:
     * segments of 1,000,000 rows once a side is estimated at 4,000,000 rows or more and both
     * sides store rows in key order (segments.ts).
     */
    segment_rows: z.number().int().min(0).optional(),
  })
  .superRefine((spec, ctx) => {
    addConstantScopeIssues(ctx, spec.min_rows, [[['old', 'where'], spec.old.where], [['new', 'where'], spec.new.where]]);
    const stop = stopAfterProblem({ stop_after: spec.stop_after, max: spec.max_differences, sample: spec.sample }, 'max_differences', 'a ratio');
    if (stop) ctx.addIssue({ code: 'custom', path: ['stop_after'], message: stop });
    for (const name of Object.keys(spec.columns ?? {})) {
      const parsed = parseColumnName(name);
      if (typeof parsed !== 'string') ctx.addIssue({ code: 'custom', path: ['columns', name], message: `column name "${name}" ${parsed.error}` });
      else if (spec.key.includes(parsed)) ctx.addIssue({ code: 'custom', path: ['columns', name], message: `"${name}" is a key column; keys are always compared` });
    }
    if (spec.columns && Object.keys(spec.columns).length === 0) ctx.addIssue({ code: 'custom', path: ['columns'], message: 'list at least one column, or leave columns out to compare all of them' });
    for (const name of Object.keys(spec.normalize)) {
      if (spec.columns && !Object.keys(spec.columns).includes(name)) ctx.addIssue({ code: 'custom', path: ['normalize', name], message: `"${name}" is not one of the compared columns: ${Object.keys(spec.columns).join(', ')}` });
    }
  });
export type TableDiffSpec = z.output<typeof tableDiffSchema>;

/**
 * What each side reads, by shape: its table and filter, and per compared column the old column or
 * the new expression (left out, every column by name on both sides). Keys and normalisers are the
 * same on both sides by construction.
 */
export function diffSidesRead(spec: TableDiffSpec, renaming: SideRenaming = {}): { old: SideRead; new: SideRead } {
  const values = (side: 'old' | 'new', rename: ColumnRenaming | undefined) => (spec.columns === undefined
    ? (rename === undefined ? 'every column by name' : { 'every column by name': rename.byName })
    : Object.fromEntries(Object.entries(spec.columns).map(([label, expression]) => [label, valueShape(side === 'old' ? columnExpression(parseColumnName(label) as string) : expression, rename)])));
  const side = (name: 'old' | 'new'): SideRead => {
    const rename = renaming[name];
    // Keys are the same names on both sides, but a renaming view may give them other columns.
    const keys = spec.key.map((k) => rename?.column(k) ?? k);
    return { source: spec[name].source, table: spec[name].table, reads: { keys, where: filterShape(spec[name].where, rename), values: values(name, rename) } };
  };
  return { old: side('old'), new: side('new') };
}

/**
 * One compared column: its label (the old column name), the value expression on each side as
 * compared (normalised), and when normalisers apply the raw ones, whose types a normaliser's text
 * must not hide (table-diff.ts readyNormalizedColumns); `foldsText` when one edits text as text.
 */
export interface ComparedColumn { name: string; old: SQL; new: SQL; raw?: { old: SQL; new: SQL; normalizers: readonly Normalizer[]; foldsText: boolean } }

/** The compared columns (pure): `columns:` when given, else `names` (every non-key old column). */
export function comparedColumnsOf(spec: TableDiffSpec, names: readonly string[] = []): ComparedColumn[] {
  const column = (label: string, old: SQL, fresh: SQL): ComparedColumn => {
    const normalizers = spec.normalize[label] ?? [];
    return {
      name: label, old: normalizeSql(old, normalizers), new: normalizeSql(fresh, normalizers),
      ...(normalizers.length > 0 ? { raw: { old, new: fresh, normalizers, foldsText: foldsText(normalizers) } } : {}),
    };
  };
  if (spec.columns) {
    return Object.entries(spec.columns).map(([label, expression]) => column(label, columnSql(parseColumnName(label) as string), expressionSql(expression)));
  }
  return names.filter((n) => !spec.key.includes(n)).map((name) => column(name, columnSql(name), columnSql(name)));
}

/**
 * A normalised column whose raw values are a real (or a domain over one) on one side and a double
 * on the other, with the real normalised from the double it converts to (pure; `floats` as
 * float-leaves.ts writes them): a normaliser reads text, and real 0.1 (0.100000001490116…) prints
 * `0.1` as double 0.1 does, so a double narrowed to real passed (test/adversarial/normalizer-float-widths).
 */
export function withWidenedReals(column: ComparedColumn, floats: Record<'old' | 'new', string | null>): ComparedColumn {
  const raw = column.raw;
  if (!raw) return column;
  const widened = (side: 'old' | 'new') => (floats[side] === '=real' && floats[side === 'old' ? 'new' : 'old'] === '=double precision'
    ? normalizeSql(realAsDoubleSql(raw[side]), raw.normalizers) : column[side]);
  return { ...column, old: widened('old'), new: widened('new') };
}

/** Both sides of the diff as plans read them (pure). */
export function diffSidesOf(spec: TableDiffSpec, columns: readonly ComparedColumn[]): Record<'old' | 'new', DiffSide> {
  const keys = spec.key.map((k) => columnSql(k));
  return {
    old: { ...spec.old, keys, values: columns.map((c) => c.old) },
    new: { ...spec.new, keys, values: columns.map((c) => c.new) },
  };
}

/**
 * Both sides with the form each key and value is written in, from both sides' types (pure): a
 * column compares by value only where column_parity would (row-hash.ts valueFormsOf). Refused
 * (a Fault): containers whose floats (float-leaves.ts) or composite fields (composite-fields.ts)
 * differ between the sides, whose texts could agree over different values.
 */
export function withValueForms(
  sides: Record<'old' | 'new', DiffSide>, types: Record<'old' | 'new', SideTypes>, names?: Record<'keys' | 'values', readonly string[]>,
): Record<'old' | 'new', DiffSide> {
  const forms = (part: 'keys' | 'values') => types.old[part].map((type, i) => {
    const newType = types.new[part][i]!;
    const floats = types.old.floats && types.new.floats ? { old: types.old.floats[part][i] ?? null, new: types.new.floats[part][i] ?? null } : undefined;
    const form = valueFormsOf(type, newType, floats);
    if (form) {
      // Composites print their fields by position: compared by text only where both name the same fields in order.
      const fields = { old: types.old.fields?.[part][i] ?? null, new: types.new.fields?.[part][i] ?? null };
      if (compositeFieldsDiffer(fields.old, fields.new)) {
        throw new Fault(compositeFieldsFault(names ? `column ${names[part][i]}` : `${part === 'keys' ? 'key' : 'compared'} column ${i + 1}`, fields.old, fields.new));
      }
      return form;
    }
    const name = names?.[part][i] ?? `${part === 'keys' ? 'key' : 'compared'} column ${i + 1}`;
    throw new Fault({
      code: 'float_widths_differ',
      message: `${name} holds a real on one side where the other holds a double (old ${type}: ${floats?.old}; new ${newType}: ${floats?.new}); both print 0.1 alike though they are different numbers, and no cast widens the container — compare its fields as columns, or cast them to double precision in the check`,
    });
  });
  const keys = forms('keys');
  const values = forms('values');
  return {
    old: { ...sides.old, forms: { keys: keys.map((f) => f.old), values: values.map((f) => f.old) } },
    new: { ...sides.new, forms: { keys: keys.map((f) => f.new), values: values.map((f) => f.new) } },
  };
}

/** Integer bucket hashing only when both sides key on one integer column (else md5 of the key text); one salt and row-hash mode for both sides. */
export function hashSchemeOf(types: Record<'old' | 'new', SideTypes>, salt: string, rowHash: RowHashMode): HashScheme {
  return { integerKey: types.old.keys.length === 1 && INTEGER_TYPES.has(types.old.keys[0]!) && INTEGER_TYPES.has(types.new.keys[0]!), salt, rowHash };
}

/**
 * The first fingerprint pass of both sides (pure), e.g. for a benchmark to time through psql. The
 * salt is a bound parameter, so the statement text is the same whatever salt a run uses.
 */
export function planFingerprintPass(
  spec: TableDiffSpec, types: Record<'old' | 'new', SideTypes>, bits: number, columnNames: readonly string[] = [], salt = newRowHashSalt(),
  rowHash: RowHashMode = 'fast',
): Record<'old' | 'new', SQL> {
  const sides = withValueForms(diffSidesOf(spec, comparedColumnsOf(spec, columnNames)), types);
  const scheme = hashSchemeOf(types, salt, rowHash);
  return { old: planFingerprint(sides.old, types.old, scheme, bits), new: planFingerprint(sides.new, types.new, scheme, bits) };
}
