/** The `unused` check's spec: which old columns/tables must be unused, over how long, ignoring whom. */
import { z } from 'zod';
import { baseCheckShape, durationSchema, sourceNameSchema, tableRefSchema } from '../../checkfile/common.js';
import { parseQualifiedName, type TableRef } from '../../sql/identifiers.js';

/** A listed column: its table and its name, parsed like Postgres reads identifiers. */
export interface ColumnTarget {
  readonly table: TableRef;
  readonly column: string;
}

const columnRefSchema = z.string().transform((text, ctx): ColumnTarget => {
  const parsed = parseQualifiedName(text);
  if ('error' in parsed || parsed.parts.length < 2 || parsed.parts.length > 3) {
    const why = 'error' in parsed ? parsed.error : 'must be table.column or schema.table.column';
    ctx.addIssue({ code: 'custom', message: `column "${text}" ${why}` });
    return z.NEVER;
  }
  const parts = parsed.parts;
  const column = parts[parts.length - 1]!;
  const table: TableRef = parts.length === 3 ? { schema: parts[0]!, name: parts[1]! } : { name: parts[0]! };
  return { table, column };
});

/** A window shorter than an hour cannot see an hourly job, let alone a nightly one. */
export const MIN_WINDOW_MS = 60 * 60 * 1000;

const windowSchema = durationSchema.refine((ms) => ms >= MIN_WINDOW_MS, 'window must be at least 1h (evidence over a shorter window proves little)');

const nameListSchema = z.array(z.string().min(1).max(200)).max(100).default([]);

/**
 * Which evidence a verdict rests on, decided once at parse time. `full` (the default) reads
 * everything and needs a window; `catalog` is an explicit, visible opt-in for servers without
 * pg_stat_statements (PGlite): it reads catalog dependencies and live sessions only, never
 * statement statistics, so it has no window, and its result says what was not read.
 */
export const UNUSED_EVIDENCE = ['full', 'catalog'] as const;
export type UnusedEvidenceMode = (typeof UNUSED_EVIDENCE)[number];

export const unusedSchema = z.strictObject({
  ...baseCheckShape,
  kind: z.literal('unused'),
  source: sourceNameSchema,
  columns: z.array(columnRefSchema).max(100).default([]),
  tables: z.array(tableRefSchema).max(100).default([]),
  evidence: z.enum(UNUSED_EVIDENCE).default('full'),
  /** How long the evidence must cover; required with full evidence, since "since when?" is the whole question. */
  window: windowSchema.optional(),
  ignore: z.strictObject({ roles: nameListSchema, applications: nameListSchema }).default({ roles: [], applications: [] }),
  /**
   * `none`: the check file says no client reads this server's physical standbys (they exist for
   * failover only). Without it, a primary streaming to a standby cannot show the shape unread:
   * reads on a standby are counted there, not here. Optional, no default: existing checks keep
   * their definition hash.
   */
  standby_reads: z.literal('none').optional(),
}).refine((spec) => spec.columns.length + spec.tables.length > 0, { message: 'list at least one of columns or tables', path: ['columns'] })
  .refine((spec) => spec.evidence !== 'full' || spec.window !== undefined, { message: 'window is required (e.g. window: 24h): the statement statistics must cover at least this long; or say evidence: catalog to judge on catalog dependencies alone', path: ['window'] })
  .refine((spec) => spec.evidence !== 'catalog' || spec.window === undefined, { message: 'evidence: catalog reads no statement statistics, so a window would mean nothing; remove window (or use evidence: full)', path: ['window'] });

export type UnusedSpec = z.output<typeof unusedSchema>;
