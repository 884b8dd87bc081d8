/**
 * scenario.yaml: the machine-readable half of a replay scenario — which tables to fill with
 * generated messy rows, which SQL file is which migration step, what the application writes
 * while the migration runs, and which defects from the mutation catalogue apply.
 */
import { z } from 'zod';
import { idSchema, sourceNameSchema } from '../../checkfile/common.js';
import { parseSql } from '../../sql/parser.js';
import { columnSpecSchema } from '../arbitraries/columns.js';
import { mutationClass, mutationClassNames } from '../mutations/catalogue.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const identifier = z.string().regex(IDENTIFIER, 'must be a lower-case SQL identifier (letters, digits, _)');

/**
 * Trusted SQL from the scenario author (it writes to the throwaway replay database), checked with
 * the real PostgreSQL parser to be exactly one statement — or one fragment of the statement replay
 * builds around it (`where`, `set`) — so a scenario cannot smuggle a second statement in.
 */
const sqlText = (what: string, embed: (text: string) => string = (text) => text) =>
  z.string().superRefine((text, ctx) => {
    const parsed = parseSql(embed(text.trim().replace(/;\s*$/, '')));
    if (parsed.kind === 'syntax_error') ctx.addIssue({ code: 'custom', message: `${what} is not valid SQL: ${parsed.message}` });
    else if ((parsed.tree.stmts ?? []).length !== 1) ctx.addIssue({ code: 'custom', message: `${what} must be one SQL statement, not ${(parsed.tree.stmts ?? []).length}` });
  }).transform((text) => text.trim().replace(/;\s*$/, ''));

const sqlFile = z.string().regex(/\.sql$/, 'must name a .sql file in the scenario folder');

const tableSchema = z.strictObject({
  /** Key columns, filled by the database (serial/identity); generated rows never set them. */
  key: z.array(identifier).min(1).default(['id']),
  rows: z.strictObject({ min: z.number().int().min(0).max(500), max: z.number().int().min(0).max(500) })
    .refine((r) => r.min <= r.max, { message: 'min must not exceed max' })
    .default({ min: 0, max: 40 }),
  columns: z.record(identifier, columnSpecSchema),
});

const appWriteSchema = z.strictObject({
  /** One statement; $1…$n are bound from params. */
  sql: sqlText('app write'),
  /** `table.column` per parameter: a key column picks an existing row, any other a generated value. */
  params: z.array(z.string().regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/, 'must be table.column')).default([]),
});

const mutationSchema = z
  .strictObject({
    id: idSchema.optional(),
    class: z.enum(mutationClassNames),
    description: z.string().max(500).optional(),
    /** Table the victim row is chosen from. */
    table: identifier.optional(),
    /** Victim key columns; defaults to the table's primary key. */
    key: z.array(identifier).min(1).optional(),
    /** Which rows may be victims (rows the defect would visibly change). */
    where: sqlText('where', (text) => `select 1 from t where (${text})`).optional(),
    /** The defect as assignments: update <table> set <set> where <key> = <victim>. */
    set: sqlText('set', (text) => `update t set ${text} where true`).optional(),
    /** The defect is deleting the victim row. */
    delete: z.literal(true).optional(),
    /** The defect as one statement; $1…$n are the victim's key columns. */
    sql: sqlText('sql').optional(),
  })
  .superRefine((m, ctx) => {
    const forms = [m.set, m.delete, m.sql].filter((f) => f !== undefined).length;
    if (mutationClass(m.class).mechanism === 'statement') {
      for (const key of ['table', 'key', 'where', 'set', 'delete'] as const) {
        if (m[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${m.class} takes no ${key}: it runs its sql: as is, against no particular row` });
      }
      if (m.sql === undefined) ctx.addIssue({ code: 'custom', path: ['sql'], message: `${m.class} needs sql: (the statement that uses the old shape)` });
      return;
    }
    if (mutationClass(m.class).mechanism === 'interrupt') {
      for (const key of ['table', 'key', 'where', 'set', 'delete', 'sql'] as const) {
        if (m[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${m.class} takes no ${key}: replay stops the backfill itself` });
      }
      return;
    }
    if (m.table === undefined) ctx.addIssue({ code: 'custom', path: ['table'], message: `${m.class} needs table: (where victim rows are chosen)` });
    if (forms !== 1) ctx.addIssue({ code: 'custom', path: ['set'], message: `${m.class} needs exactly one of set:, delete: true or sql:` });
  });

const stepsSchema = z.strictObject({
  old_schema: sqlFile,
  expand: sqlFile,
  dual_write: sqlFile,
  backfill: z.strictObject({
    /** One statement run repeatedly with $1 = batch size; returns one row with `processed` (0 = done). */
    batch: sqlFile,
    /** Forgets the backfill's progress so it starts again from the first row. */
    reset: sqlText('reset'),
    batch_size: z.strictObject({ min: z.number().int().min(1), max: z.number().int().min(1).max(10_000) }).default({ min: 1, max: 12 }),
  }),
  read_switch: sqlFile,
  /**
   * Old writes stop for good: the reverse sync goes. Runs after the gate's data checks; then the
   * application writes again (the contract window) while `unused` checks watch, then contract.
   */
  stop_old_writes: sqlFile.optional(),
  contract: sqlFile,
});

/** scenario.yaml, validated. */
export const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  description: z.string().max(4000).optional(),
  /** The source name the checks use; replay points it at the replay database. */
  source: sourceNameSchema.default('app'),
  /** The check file, relative to the scenario folder. */
  checks: z.string().default('checks.yaml'),
  tables: z.record(identifier, tableSchema).refine((t) => Object.keys(t).length > 0, { message: 'needs at least one table' }),
  steps: stepsSchema,
  app: z.strictObject({
    /** The application before the read switch: writes the old columns; the dual write mirrors them. */
    before_switch: z.array(appWriteSchema).default([]),
    /** The application after the read switch: writes the new columns. */
    after_switch: z.array(appWriteSchema).default([]),
  }).default({ before_switch: [], after_switch: [] }),
  /** Tables left out when replay compares database states (bookkeeping such as backfill progress). */
  state: z.strictObject({ ignore: z.array(identifier).default([]) }).default({ ignore: [] }),
  mutations: z.array(mutationSchema).default([]),
});

/** A validated scenario.yaml. */
export type ScenarioSpec = z.output<typeof scenarioSchema>;
/** A table to fill with generated rows. */
export type TableSpec = z.output<typeof tableSchema>;
/** One application statement. */
export type AppWriteSpec = z.output<typeof appWriteSchema>;
/** One mutation as the scenario declares it. */
export type MutationSpec = z.output<typeof mutationSchema>;
/** The migration steps, in order. */
export type StepName = 'old_schema' | 'expand' | 'dual_write' | 'backfill' | 'read_switch' | 'stop_old_writes' | 'contract';
