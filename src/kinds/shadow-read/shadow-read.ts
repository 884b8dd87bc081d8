/**
 * shadow_read: the same sampled keys read through the old and the new read path (SQL query or
 * HTTP endpoint), compared field by field. A pass is a statistical claim: the one-sided exact
 * (Clopper-Pearson) upper bound of the mismatch rate at `confidence` is below max_mismatch_rate.
 * Fields that differ between two identical reads of the old path (A/A, `noise_baseline`) are
 * noise, reported and excluded; keys that match again after `recheck_after` were in-flight writes.
 *
 * Rows are compared as JSON (`to_json(row)` for SQL, the body for HTTP) with exact numbers; key
 * columns are not compared (they matched); a field absent on one side counts as NULL. Batches are
 * read in order, the next one while the current one is compared (BATCHES_IN_FLIGHT). Sampling
 * and its bias: src/stats/key-sampling.ts; the statistics: src/stats/clopper-pearson.ts.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { normalizerSchema } from '../../compare/normalizers.js';
import { compareReads, recordComparison, ROW_FIELD, type ReadResult } from './records.js';
import { baseCheckShape, durationSchema, expressionSchema, keyColumnsSchema, querySchema, sourceNameSchema, tableRefSchema } from '../../checkfile/common.js';
import { createRandom } from '../../stats/random.js';
import { keyId } from '../../compare/key-literal.js';
import { globalFetchPort, HttpReadError, type HttpPort } from './http-read.js';
import { httpPathProblems, httpPathSchema } from './http-path.js';
import type { Env } from './http-headers.js';
import { sampleKeys } from './key-sampler.js';
import { parseQueryTemplate, readKeys, resultFor, type ReadPath } from './read-path.js';
import { evaluateShadowRead, type ShadowTally } from './verdict.js';
import { defineKind, type ExecutionContext } from '../types.js';
import type { Outcome } from '../../results/outcome.js';

const pathSchema = z.union([
  z.strictObject({ source: sourceNameSchema, query: querySchema }),
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
      from: z.strictObject({ source: sourceNameSchema, table: tableRefSchema, where: expressionSchema.optional() }),
      /** Fixes the random draws, to replay a run; reported with every result. */
      seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    }),
    old: pathSchema,
    new: pathSchema,
    compare: z
      .strictObject({
        ignore: z.array(z.string().min(1).max(128)).max(256).default([]),
        normalize: z.record(z.string().min(1).max(128), z.array(normalizerSchema).max(16)).default({}),
        numeric_tolerance: z.number().min(0).optional(),
      })
      .prefault({}),
    max_mismatch_rate: z.number().gt(0, 'must be above 0: a sample can never prove a rate of exactly 0 (use table_diff)').max(1),
    confidence: z.number().gt(0).lt(1).default(0.95),
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
  });
export type ShadowReadSpec = z.output<typeof shadowReadSchema>;

// The statements this kind runs, for benchmarks that time the same SQL through psql.
export { planBernoulliKeys, planKeyDraws, planKeyRange, planScopeEstimate } from './key-sampling.js';
export { planShadowBatch } from './read-path.js';

/** A mismatching key kept for the recheck and, within the sample budget, with both rows. */
interface Candidate { parts: string[]; fields: string[]; old?: ReadResult; new?: ReadResult }

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Batches read at once per check. While one batch is parsed and compared, the next ones are
 * already being read, so the server is not idle while JavaScript works, nor JavaScript while the
 * server does. Memory stays bounded: at most this many batches in flight, plus the one compared.
 */
export const BATCHES_IN_FLIGHT = 2;

/** Reads each item with at most `depth` reads in flight and yields the results in item order. */
export async function* readInOrder<T, R>(items: readonly T[], depth: number, read: (item: T) => Promise<R>): AsyncGenerator<[T, R]> {
  const pending: Promise<R>[] = [];
  let next = 0;
  try {
    for (const item of items) {
      while (next < items.length && pending.length < depth) {
        const reading = read(items[next++]!);
        // Awaited in order below; until then, a failure must not count as an unhandled rejection.
        reading.catch(() => {});
        pending.push(reading);
      }
      yield [item, await pending.shift()!];
    }
  } finally {
    // On a failure (or an abandoned loop), no read outlives the check.
    await Promise.allSettled(pending);
  }
}

/** Both reads' results; when one fails, its error once the other has settled too (no read outlives a check). */
async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}

/** Reads, compares and tallies; all I/O through ctx (SQL) and the HTTP port. */
async function runShadowRead(spec: ShadowReadSpec, ctx: ExecutionContext, http: HttpPort, env: Env): Promise<Outcome> {
  const random = createRandom(spec.sample.seed);
  const sample = await sampleKeys(ctx, spec.sample.from, spec.key, spec.sample.size, random);
  const comparison = recordComparison({ keyFields: spec.key, ignore: spec.compare.ignore, normalize: spec.compare.normalize, numericTolerance: spec.compare.numeric_tolerance });
  const deps = { http, env, keyJson: (parts: readonly string[]) => sample.json.get(keyId(parts)) };
  const read = (path: ReadPath, keys: string[][]) => readKeys(ctx, deps, path, spec.key, keys);
  const keepRows = Math.max(spec.samples * 4, 20);
  const tally: ShadowTally = {
    keysSampled: sample.keys.length, compared: 0, vanished: 0, inFlight: 0, mismatches: [], noisyFields: {}, noiseSamples: [],
    sampling: { method: sample.method, seed: random.seed, rounds: sample.rounds, exhausted: sample.exhausted },
  };
  let candidates: Candidate[] = [];

  const readBoth = (batch: string[][]) => both(
    (async () => {
      const first = await read(spec.old, batch);
      // The A/A read runs after the first one finishes, so time-dependent fields get a chance to move.
      return { first, again: spec.noise_baseline ? await read(spec.old, batch) : undefined };
    })(),
    read(spec.new, batch),
  );
  for await (const [batch, [oldReads, newReads]] of readInOrder(chunks(sample.keys, spec.batch_size), BATCHES_IN_FLIGHT, readBoth)) {
    for (const parts of batch) {
      const oldRead = resultFor(oldReads.first, parts);
      const newRead = resultFor(newReads, parts);
      if (oldReads.again) {
        const again = resultFor(oldReads.again, parts);
        for (const field of compareReads(oldRead, again, comparison).filter((f) => f !== ROW_FIELD)) {
          tally.noisyFields[field] = (tally.noisyFields[field] ?? 0) + 1;
          if (tally.noiseSamples.length < Math.min(spec.samples, 5)) tally.noiseSamples.push({ parts, fields: [field], old: oldRead, new: again });
        }
      }
      if (oldRead.kind === 'missing' && newRead.kind === 'missing') {
        tally.vanished++;
        continue;
      }
      tally.compared++;
      const fields = compareReads(oldRead, newRead, comparison);
      if (fields.length > 0) candidates.push(candidates.length < keepRows ? { parts, fields, old: oldRead, new: newRead } : { parts, fields });
    }
    ctx.progress({ rowsScanned: tally.compared, rowsEstimated: sample.keys.length });
  }

  const drift = (fields: readonly string[]) => fields.filter((f) => tally.noisyFields[f] === undefined);
  candidates = candidates.filter((c) => drift(c.fields).length > 0);
  if (spec.recheck_after !== undefined && candidates.length > 0) {
    await delay(spec.recheck_after, undefined, { signal: ctx.signal });
    const still: Candidate[] = [];
    const recheck = (batch: Candidate[]) => {
      const keys = batch.map((c) => c.parts);
      return both(read(spec.old, keys), read(spec.new, keys));
    };
    for await (const [batch, [oldReads, newReads]] of readInOrder(chunks(candidates, spec.batch_size), BATCHES_IN_FLIGHT, recheck)) {
      for (const candidate of batch) {
        const oldRead = resultFor(oldReads, candidate.parts);
        const newRead = resultFor(newReads, candidate.parts);
        if (oldRead.kind === 'missing' && newRead.kind === 'missing') {
          tally.compared--;
          tally.vanished++;
          continue;
        }
        const fields = drift(compareReads(oldRead, newRead, comparison));
        if (fields.length === 0) tally.inFlight++;
        else still.push(still.length < keepRows ? { parts: candidate.parts, fields, old: oldRead, new: newRead } : { parts: candidate.parts, fields });
      }
    }
    candidates = still;
  }
  tally.mismatches = candidates.map((c) => ({ parts: c.parts, fields: drift(c.fields), old: c.old, new: c.new }));
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
    execute: (spec, ctx) => runShadowRead(spec, ctx, http, env),
  });
}

/** The shadow_read kind, reading HTTP paths with the global fetch. */
export const shadowRead = createShadowRead();
