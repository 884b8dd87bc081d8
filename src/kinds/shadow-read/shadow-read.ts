/**
 * shadow_read: the same sampled keys read through the old and the new read path (SQL query or
 * HTTP endpoint), compared field by field. A pass is a statistical claim: the one-sided exact
 * (Clopper-Pearson) upper bound of the mismatch rate at `confidence` is below max_mismatch_rate.
 * With `noise_baseline` the old path is read twice (A/A): noise is judged per key and a noisy key
 * is read again, never excused (noise.ts); keys that match again after `recheck_after` were
 * in-flight writes.
 *
 * Rows are compared as JSON (`to_json(row)` for SQL, the body for HTTP) with exact numbers; key
 * members are compared where both records hold them (a member one side lacks, where the other proved it, is not); equality is strict (src/compare/values.ts). Batches are
 * read in order, the next one while the current one is compared (BATCHES_IN_FLIGHT). Sampling
 * and its bias: src/stats/key-sampling.ts; the statistics: src/stats/clopper-pearson.ts.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { normalizerSchema } from '../../compare/normalizers.js';
import { compareReads, recordComparison, ROW_FIELD, type ReadResult, type RecordComparison } from './records.js';
import { constantOutputsOf } from '../../sql/data-free.js';
import { baseCheckShape, durationSchema, expressionSchema, keyColumnsSchema, keyedQuerySchema, minRowsSchema, sourceNameSchema, tableRefSchema } from '../../checkfile/common.js';
import { createRandom } from '../../stats/random.js';
import { keyId } from '../../compare/key-literal.js';
import { globalFetchPort, HttpReadError, type HttpPort } from './http-read.js';
import { httpPathProblems, httpPathSchema } from './http-path.js';
import type { Env } from './http-headers.js';
import { sampleKeys } from './key-sampler.js';
import { planSampleRelationCheck, sampleRelationProblem, sampleRelationToConfirm, sampleSideProblem } from './sample-side.js';
import { otherSideProblem, readBothPaths, sharedRowRelations } from './path-reads.js';
import { readSharedColumnsProblem } from './shared-columns.js';
import { readFloatWidenings } from './float-widths.js';
import { keyMembersProven, parseQueryTemplate, readKeys, resultFor, type ReadPath } from './read-path.js';
import { evaluateShadowRead, type ShadowTally } from './verdict.js';
import { classifyKey, emptyNoise, recordNoise } from './noise.js';
import { BATCHES_IN_FLIGHT, both, chunks, readInOrder } from './batches.js';
import { defineKind, type ExecutionContext, type SideRead } from '../types.js';
import { sqlShape } from '../../sql/shape.js';
import type { Outcome } from '../../results/outcome.js';
import { faultOutcome } from '../../results/fault.js';

/**
 * A pass claims "the mismatch rate is below this"; above one half that claim says nothing about
 * parity, and at 1 every result passes. 0 can never be proven by a sample (use table_diff).
 */
export const maxMismatchRateSchema = z.number()
  .gt(0, 'must be above 0: a sample can never prove a rate of exactly 0 (use table_diff)')
  .max(0.5, 'must be at most 0.5: a higher limit lets a read path that disagrees on most keys pass');

/** Below one half the "upper" bound falls under the observed rate; 1 would need an infinite sample. */
export const confidenceSchema = z.number()
  .min(0.5, 'must be at least 0.5: below that the upper bound lies under the observed mismatch rate')
  .lt(1, 'must be below 1: no finite sample gives certainty (use table_diff)')
  .default(0.95);

const pathSchema = z.union([
  z.strictObject({ source: sourceNameSchema, query: keyedQuerySchema }),
  httpPathSchema,
]);

/** The shadow_read check as written in a check file. */
export const shadowReadSchema = z
  .strictObject({
    ...baseCheckShape,
    kind: z.literal('shadow_read'),
    key: keyColumnsSchema,
    sample: z.strictObject({
      size: z.number().int().min(1).max(1_000_000),
      /**
       * The keys' population: it must hold the old side's keys (sample-side.ts). `side` says so
       * where the paths cannot tell (HTTP, a view, another database).
       */
      from: z.strictObject({ source: sourceNameSchema, table: tableRefSchema, where: expressionSchema.optional(), side: z.enum(['old', 'new']).optional() }),
      /** Fixes the random draws, to replay a run; reported with every result. */
      seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    }),
    old: pathSchema,
    new: pathSchema,
    compare: z
      .strictObject({
        ignore: z.array(z.string().min(1).max(128)).max(256).default([]),
        normalize: z.record(z.string().min(1).max(128), z.array(normalizerSchema).max(16)).default({}),
        // Applied to every number field, ids and counts too: below 1 it absorbs rounding and can
        // never make two different whole numbers equal; 1e308 made every pair of numbers equal.
        numeric_tolerance: z.number().min(0)
          .lt(1, 'must be below 1: a tolerance absorbs rounding and applies to every number field (ids, counts), so 1 or more would make different whole numbers equal; compare coarser values with a normaliser ({ numeric_scale: 0 }) on the fields that need it')
          .optional(),
        /** Where a field absent on one side equals NULL on the other: nowhere (default), top level, or at every depth. */
        treat_absent_as_null: z.enum(['never', 'top_level', 'everywhere']).default('never'),
      })
      .prefault({}),
    max_mismatch_rate: maxMismatchRateSchema,
    confidence: confidenceSchema,
    /** The fewest keys that must be compared before the check may pass (default 1). */
    min_rows: minRowsSchema,
    noise_baseline: z.boolean().default(false),
    recheck_after: durationSchema.optional(),
    /** Keys per read statement (or per HTTP fan-out). */
    batch_size: z.number().int().min(1).max(10_000).default(500),
    /** Mismatching keys reported with both sides. */
    samples: z.number().int().min(0).max(1000).default(20),
  })
  .superRefine((spec, ctx) => {
    for (const side of ['old', 'new'] as const) {
      const path = spec[side];
      if ('http' in path) {
        for (const problem of httpPathProblems(path, spec.key)) ctx.addIssue({ code: 'custom', path: [side, ...problem.path], message: problem.message });
        continue;
      }
      const template = parseQueryTemplate(path.query, spec.key);
      if ('error' in template) ctx.addIssue({ code: 'custom', path: [side, 'query'], message: `query ${template.error}` });
    }
    const side = sampleSideProblem({ key: spec.key, from: spec.sample.from, old: spec.old, new: spec.new });
    if (side) ctx.addIssue({ code: 'custom', path: ['sample', 'from'], message: side });
    // Rows are matched by the key's text, which a real shares with a double and a composite with its
    // fields swapped: the key's own values must be compared (and their types judged, float-widths.ts).
    for (const [i, field] of spec.compare.ignore.entries()) {
      if (spec.key.includes(field)) ctx.addIssue({ code: 'custom', path: ['compare', 'ignore', i], message: `"${field}" is a key column: keys are matched by their text, which can agree over different values (a real and the double it is not both print 0.1; a composite prints its fields by position), so the key's own values are compared too; remove it from ignore` });
    }
    const constants = constantComparedFields(spec);
    if (constants) ctx.addIssue({ code: 'custom', path: ['new', 'query'], message: `every field the two queries compare is a constant or a function of the key alone (${constants.join(', ')}): each key compares the same values whatever its rows hold, so the check can never fail for anything in the data; select the compared columns` });
  });
export type ShadowReadSpec = z.output<typeof shadowReadSchema>;

/**
 * The compared fields when both paths are queries and every one of them is a constant on both
 * (`select id, 1 as v …`): the key and `compare.ignore` are not compared. Undefined when a path
 * is HTTP, a field reads data, or neither query selects a compared field (judged when the check
 * runs: nothing_compared).
 */
function constantComparedFields(spec: { key: string[]; old: z.output<typeof pathSchema>; new: z.output<typeof pathSchema>; compare: { ignore: string[] } }): string[] | undefined {
  if (!('query' in spec.old) || !('query' in spec.new)) return undefined;
  const skip = new Set([...spec.key, ...spec.compare.ignore]);
  const keys = new Set(spec.key);
  const [old, fresh] = [constantOutputsOf(spec.old.query, skip, keys), constantOutputsOf(spec.new.query, skip, keys)];
  if (!old || !fresh || old.length + fresh.length === 0) return undefined;
  return [...new Set([...old, ...fresh])];
}

/**
 * What a read path reads: a query by shape on its source, or an endpoint with the headers and
 * redirect rule it is read with (the template of a `${NAME}` header, which the run resolves). How
 * long and how many at once are left out: they change no answer.
 */
function pathRead(path: ShadowReadSpec['old']): SideRead {
  if ('query' in path) return { source: path.source, reads: { query: sqlShape(path.query, 'keyed_query') } };
  const { timeout: _t, concurrency: _c, ...reads } = path;
  return { reads };
}

// The statements this kind runs, for benchmarks that time the same SQL through psql.

/** A mismatching key kept for the recheck and, within the sample budget, with both rows. */
interface Candidate { parts: string[]; fields: string[]; missing?: 'old' | 'new'; old?: ReadResult; new?: ReadResult }

/**
 * What the first pass decided to read again: a key, its differing fields, why, and both paths'
 * first reads (always kept: the recheck needs them to see whether the data moved, and to where).
 */
interface Recheck extends Candidate { noisy: boolean; firstOld: ReadResult; firstNew: ReadResult; firstAgain: ReadResult | undefined }

/**
 * Whether a later read of the old path explains every difference of a key's first reads: in each
 * field that differed, the new path's first answer is what that old read says — the new path had
 * merely seen the data at another moment (a write first, or the old path's other read). A new path
 * that is simply wrong some of the time (a flaky cache, a racy read) also matches on a second read,
 * so "it matched later" alone excuses nothing; nor does the old path moving in some field
 * (`now()`, a hot row's view counter), which says nothing of another field — or of another member
 * of the same object — it never held. Where presence differed (`(row)`: a record on one side,
 * none on the other) the field is the whole record, so the whole answer must be the old one.
 */
function explainedBy(fields: readonly string[], oldLater: ReadResult, firstNew: ReadResult, comparison: RecordComparison): boolean {
  const unexplained = compareReads(oldLater, firstNew, comparison);
  if (fields.includes(ROW_FIELD) || unexplained.includes(ROW_FIELD)) return unexplained.length === 0;
  return fields.length > 0 && fields.every((field) => !unexplained.includes(field));
}

/** Reads, compares and tallies; all I/O through ctx (SQL) and the HTTP port. */
async function runShadowRead(spec: ShadowReadSpec, ctx: ExecutionContext, http: HttpPort, env: Env): Promise<Outcome> {
  // The load matched sample.from to the old rows' relation by a name one side wrote without its schema: the server decides.
  const confirm = sampleRelationToConfirm({ key: spec.key, from: spec.sample.from, old: spec.old, new: spec.new });
  if (confirm) {
    const [row] = await ctx.query<{ sampled: string | null; read: string | null }>(spec.sample.from.source, planSampleRelationCheck(confirm));
    const problem = sampleRelationProblem(confirm, row);
    if (problem) return faultOutcome({ code: 'sample_relation_differs', message: problem });
  }
  // A path reading where the other path's rows come from answers what the other answers.
  const pathReads = await readBothPaths(ctx, spec);
  const otherSide = pathReads && otherSideProblem(pathReads.old, pathReads.new);
  if (otherSide) return faultOutcome({ code: 'reads_other_side', message: otherSide });
  const random = createRandom(spec.sample.seed);
  const sample = await sampleKeys(ctx, spec.sample.from, spec.key, spec.sample.size, random);
  // Paths reading one table's rows compare something only where a compared column moved (shared-columns.ts).
  const shared = pathReads && sharedRowRelations(pathReads.old, pathReads.new);
  if (shared && sample.keys.length > 0 && 'query' in spec.old && 'query' in spec.new) {
    const problem = await readSharedColumnsProblem(ctx, { key: spec.key, old: spec.old, new: spec.new, compare: spec.compare }, sample.keys, shared);
    if (problem) return faultOutcome(problem);
  }
  // A key column's member is left out only where the path proved it is the requested key.
  const oldKeys = keyMembersProven(spec.old, spec.key);
  const compare = { keyFields: spec.key, ignore: spec.compare.ignore, normalize: spec.compare.normalize, numericTolerance: spec.compare.numeric_tolerance, treatAbsentAsNull: spec.compare.treat_absent_as_null };
  const comparison = recordComparison({ ...compare, proven: { left: oldKeys, right: keyMembersProven(spec.new, spec.key) } });
  // The old path against itself (A/A noise, and whether it moved before a recheck).
  const oldAgainstOld = recordComparison({ ...compare, proven: { left: oldKeys, right: oldKeys } });
  const deps = { http, env, keyJson: (parts: readonly string[]) => sample.json.get(keyId(parts)) };
  // A real read against a double is widened to it (float-widths.ts), before the first batch.
  const widenings = await readFloatWidenings(ctx, spec, sample.keys);
  const read = (path: ReadPath, keys: string[][]) => readKeys(ctx, deps, path, spec.key, keys, widenings.get(path));
  const keepRows = Math.max(spec.samples * 4, 20);
  // Which side lacked the key is kept for every finding (the counts by category), rows only for the first ones.
  const keep = (list: Candidate[], parts: string[], fields: string[], old: ReadResult, next: ReadResult): Candidate => {
    const missing = old.kind === 'missing' && next.kind !== 'missing' ? 'old' : next.kind === 'missing' && old.kind !== 'missing' ? 'new' : undefined;
    return { parts, fields, ...(missing ? { missing } : {}), ...(list.length < keepRows ? { old, new: next } : {}) };
  };
  const tally: ShadowTally = {
    keysSampled: sample.keys.length, compared: 0, vanished: 0, inFlight: 0, matchedWithoutWrite: 0, mismatches: [], unresolved: [], noise: spec.noise_baseline ? emptyNoise() : undefined, noiseSamples: [],
    sampling: { method: sample.method, seed: random.seed, rounds: sample.rounds, exhausted: sample.exhausted, fixed: spec.sample.seed !== undefined },
    fieldsCompared: false,
  };
  // Records are looked into (parsed) only until one holds a compared field; then never again.
  const holdsComparedField = (read: ReadResult) => read.kind === 'row' && Object.keys(read.row).some((field) => !comparison.skip.has(field) && !comparison.provenKeys.has(field));
  // Old, new and (with noise_baseline) old again, which starts after the first old read finished
  // so that time-dependent fields get a chance to move.
  const readAll = (batch: string[][]) => both(
    (async () => {
      const first = await read(spec.old, batch);
      return { first, again: spec.noise_baseline ? await read(spec.old, batch) : undefined };
    })(),
    read(spec.new, batch),
  );
  const look = (parts: string[], reads: { first: Map<string, ReadResult>; again: Map<string, ReadResult> | undefined }, newReads: Map<string, ReadResult>) => {
    const oldRead = resultFor(reads.first, parts);
    const newRead = resultFor(newReads, parts);
    const noisy = reads.again ? compareReads(oldRead, resultFor(reads.again, parts), oldAgainstOld) : [];
    const fields = compareReads(oldRead, newRead, comparison);
    if (!tally.fieldsCompared && (holdsComparedField(oldRead) || holdsComparedField(newRead))) tally.fieldsCompared = true;
    return { oldRead, newRead, again: reads.again && resultFor(reads.again, parts), noisy, fields, vanished: oldRead.kind === 'missing' && newRead.kind === 'missing' };
  };

  const rechecks: Recheck[] = [];
  for await (const [batch, [oldReads, newReads]] of readInOrder(chunks(sample.keys, spec.batch_size), BATCHES_IN_FLIGHT, readAll)) {
    for (const parts of batch) {
      const seen = look(parts, oldReads, newReads);
      if (tally.noise) {
        recordNoise(tally.noise, seen.noisy);
        if (seen.noisy.length > 0 && tally.noiseSamples.length < Math.min(spec.samples, 5)) tally.noiseSamples.push({ parts, fields: seen.noisy, old: seen.oldRead, new: seen.again });
      }
      if (seen.vanished) { tally.vanished++; continue; }
      tally.compared++;
      const verdict = classifyKey(seen.fields, seen.noisy);
      if (verdict === 'match') continue;
      // A noisy key is always read again; a plain mismatch only when recheck_after asks for it.
      if (verdict === 'noisy' || spec.recheck_after !== undefined) rechecks.push({ ...keep(rechecks, parts, seen.fields, seen.oldRead, seen.newRead), noisy: verdict === 'noisy', firstOld: seen.oldRead, firstNew: seen.newRead, firstAgain: seen.again });
      else tally.mismatches.push(keep(tally.mismatches, parts, seen.fields, seen.oldRead, seen.newRead));
    }
    ctx.progress({ rowsScanned: tally.compared, rowsEstimated: sample.keys.length });
  }

  if (rechecks.length > 0) {
    if (spec.recheck_after !== undefined) await delay(spec.recheck_after, undefined, { signal: ctx.signal });
    for await (const [batch, [oldReads, newReads]] of readInOrder(chunks(rechecks, spec.batch_size), BATCHES_IN_FLIGHT, (b) => readAll(b.map((c) => c.parts)))) {
      for (const candidate of batch) {
        const seen = look(candidate.parts, oldReads, newReads);
        const resolution = tally.noise?.resolution;
        // The first read's difference stands, shown with the first read's rows (the recheck's,
        // which may agree, would misstate the finding).
        const stands = () => {
          tally.matchedWithoutWrite++;
          if (candidate.noisy && resolution) resolution.mismatch++;
          tally.mismatches.push(keep(tally.mismatches, candidate.parts, candidate.fields, candidate.firstOld, candidate.firstNew));
        };
        if (seen.vanished) {
          // Gone from both paths: a delete in flight only when the new path had already shown it
          // gone (missing first); a key the new path lost, then the old path too, is not excused.
          if (!explainedBy(candidate.fields, seen.oldRead, candidate.firstNew, comparison)) { stands(); continue; }
          tally.compared--;
          tally.vanished++;
          if (candidate.noisy && resolution) resolution.vanished++;
          continue;
        }
        const verdict = classifyKey(seen.fields, seen.noisy);
        if (verdict === 'match' && candidate.noisy) {
          // A noisy key agrees only when the new path's first answer was one the old path itself
          // gave (its A/A read, or this reread): matching later alone excuses nothing.
          const explained = [candidate.firstAgain, seen.oldRead].some((oldRead) => oldRead !== undefined && explainedBy(candidate.fields, oldRead, candidate.firstNew, comparison));
          if (!explained) { stands(); continue; }
          if (resolution) resolution.matched_on_reread++;
          continue;
        }
        if (candidate.noisy && resolution) resolution[verdict === 'noisy' ? 'unresolved' : 'mismatch']++;
        if (verdict === 'match' && explainedBy(candidate.fields, seen.oldRead, candidate.firstNew, comparison)) {
          // In flight: neither evidence of drift nor of agreement, so not part of the sample.
          tally.compared--;
          tally.inFlight++;
          continue;
        }
        if (verdict === 'match') { stands(); continue; }
        const list = verdict === 'noisy' ? tally.unresolved : tally.mismatches;
        list.push(keep(list, candidate.parts, seen.fields, seen.oldRead, seen.newRead));
      }
    }
  }
  return evaluateShadowRead(spec, tally);
}

/**
 * The kind, with the HTTP port and the environment (for `${NAME}` in headers, read at each
 * execution) injectable; `shadowRead` uses the global fetch and process.env.
 */
export function createShadowRead(options: { http?: HttpPort; env?: Env } = {}) {
  const http = options.http ?? globalFetchPort;
  const env = options.env ?? process.env;
  return defineKind({
    kind: 'shadow_read',
    description: 'sampled keys read through the old and the new path (SQL or HTTP) agree, with an exact confidence bound on the mismatch rate',
    schema: shadowReadSchema,
    sourcesOf: (spec) => [...new Set([spec.sample.from.source, ...[spec.old, spec.new].flatMap((p) => ('source' in p ? [p.source] : []))])],
    sides: (spec) => ({ old: pathRead(spec.old), new: pathRead(spec.new) }),
    execute: (spec, ctx) => runShadowRead(spec, ctx, http, env),
  });
}

/** The shadow_read kind, reading HTTP paths with the global fetch. */
export const shadowRead = createShadowRead();
