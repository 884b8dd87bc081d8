import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../../src/sql/build.js';
import { planShadowBatch } from '../../../src/kinds/shadow-read/read-path.js';
import { BATCHES_IN_FLIGHT, readInOrder } from '../../../src/kinds/shadow-read/batches.js';
import type { SourceRegistry } from '../../../src/sources/registry.js';
import { executeCheck } from '../../../src/runner/execute-check.js';
import { createLimiter } from '../../../src/concurrency/limiter.js';
import type { FinishedResult } from '../../../src/store/runs.js';
import { createTestDatabase, engines, type TestDatabase } from '../../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../../support/run-check.js';

/** Runs the first check of `yaml` with sources legacy and app both on `db`. */
async function run(db: TestDatabase, yaml: string, onProgress?: (u: { rowsScanned: number }) => void): Promise<FinishedResult> {
  const sources = { legacy: db, app: db };
  const catalog = catalogFromYaml(yaml, sources);
  const registry = registryForCatalog(catalog, sources);
  try {
    const check = [...catalog.checks.values()][0]!;
    if (!onProgress) return await execute(check, registry);
    return await executeCheck(check, { sources: registry, limiters: () => createLimiter(4), signal: new AbortController().signal, now: () => new Date(), onProgress });
  } finally {
    await registry.closeAll();
  }
}

/** Wraps a registry to record, per source, the most read transactions open at once. */
function watchingConcurrency(registry: SourceRegistry, peak: Record<string, number>): SourceRegistry {
  const open: Record<string, number> = {};
  return {
    ...registry,
    async get(name) {
      const source = await registry.get(name);
      return {
        ...source,
        async readOnly(work, options) {
          open[name] = (open[name] ?? 0) + 1;
          peak[name] = Math.max(peak[name] ?? 0, open[name]!);
          try {
            return await source.readOnly(work, options);
          } finally {
            open[name]!--;
          }
        },
      };
    },
  };
}

/** Like run, also returning the peak number of reads in flight per source. */
async function runWatched(db: TestDatabase, yaml: string): Promise<{ result: FinishedResult; peak: Record<string, number> }> {
  const sources = { legacy: db, app: db };
  const catalog = catalogFromYaml(yaml, sources);
  const registry = registryForCatalog(catalog, sources);
  const peak: Record<string, number> = {};
  try {
    return { result: await execute([...catalog.checks.values()][0]!, watchingConcurrency(registry, peak)), peak };
  } finally {
    await registry.closeAll();
  }
}

const OLD = 'select id, full_name as name, email, balance, updated_at from legacy_users where id = any($keys)';
const NEW = "select id, first_name || ' ' || last_name as name, lower(email) as email, balance, updated_at from users where id = any($keys)";

function check(fields: Record<string, string> = {}): string {
  const f = { size: '400', where: '', old: OLD, new: NEW, compare: '{ ignore: [updated_at], normalize: { name: [trim, collapse_whitespace], email: [lower] }, numeric_tolerance: 0.005 }', rate: '0.01', extra: '', ...fields };
  return `
checks:
  - id: users-shadow-read
    kind: shadow_read
    key: [id]
    sample: { size: ${f.size}, from: { source: legacy, table: public.legacy_users${f.where} } }
    old: { source: legacy, query: "${f.old}" }
    new: { source: app, query: "${f.new}" }
    compare: ${f.compare}
    max_mismatch_rate: ${f.rate}
    confidence: 0.95
${f.extra}`;
}

describe.each(engines)('shadow_read on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table legacy_users (id int primary key, full_name text, email text, balance numeric(12,3), updated_at timestamptz, created_at timestamptz);
      insert into legacy_users select g, '  First' || g || '   Last' || g || ' ', 'User' || g || '@Example.com', g * 1.001, now() - g * interval '1 minute', now() - interval '1 day'
        from generate_series(1, 3000) g;
      create table users (id int primary key, first_name text, last_name text, email text, balance numeric(12,2), updated_at timestamptz);
      insert into users select g, 'First' || g, 'Last' || g, 'user' || g || '@example.com', round(g * 1.001, 2), now() from generate_series(1, 3000) g;
    `);
  });
  afterAll(() => db.close());

  it('passes when both paths agree after normalising, ignoring and within tolerance', async () => {
    const result = await run(db, check());
    expect(result.error).toBeNull();
    expect(result.status).toBe('pass');
    expect(result.observations).toMatchObject({ sample_size: 400, mismatches: 0, sampling_method: 'draws', confidence: 0.95 });
    expect(result.observations.mismatch_rate_upper_bound).toBeCloseTo(1 - 0.05 ** (1 / 400), 12);
  });

  it('binds each batch of keys as ONE array parameter of an = any() read', async () => {
    const result = await run(db, check({ size: '120', extra: '    batch_size: 50' }));
    const reads = result.statements.filter((s) => s.sql.includes('__parity_row'));
    expect(reads).toHaveLength(6); // 3 batches × old and new
    for (const read of reads) {
      expect(read.params).toHaveLength(1);
      expect(read.sql).toMatch(/id = any\(\$1\)/);
    }
  });

  it('fails on drift, with per-field counts and both rows side by side', async () => {
    await db.exec(`update users set last_name = last_name || 'x' where id % 25 = 0; update users set email = 'other' where id % 100 = 1`);
    try {
      const result = await run(db, check({ extra: '    samples: 5' }));
      expect(result.status).toBe('fail');
      const obs = result.observations as Record<string, any>;
      expect(obs.mismatches).toBeGreaterThan(0);
      expect(obs.mismatch_rate_upper_bound).toBeGreaterThan(obs.mismatch_ratio);
      expect(Object.keys(obs.mismatches_by_field).sort()).toEqual(expect.arrayContaining(['name']));
      expect(obs.mismatches_by_field.name + (obs.mismatches_by_field.email ?? 0)).toBeGreaterThanOrEqual(obs.mismatches);
      expect(result.samples.length).toBe(5);
      const sample = result.samples.find((s) => (s.detail as any).fields.includes('name'))!;
      const id = Number(sample.key.id);
      expect(id % 25).toBe(0);
      expect(sample.old).toMatchObject({ name: `  First${id}   Last${id} ` });
      expect(sample.new).toMatchObject({ name: `First${id} Last${id}x` });
    } finally {
      await db.exec(`update users set last_name = 'Last' || id, email = 'user' || id || '@example.com'`);
    }
  });

  it('reads two batches at a time, and finds exactly what reading them one by one finds', async () => {
    await db.exec(`update users set last_name = last_name || 'x' where id % 25 = 0; update users set email = 'other' where id % 100 = 1`);
    try {
      const yaml = (batchSize: number) => check({ size: '600', extra: `    samples: 30\n    noise_baseline: true\n    batch_size: ${batchSize}`, compare: '{ normalize: { name: [trim, collapse_whitespace], email: [lower] }, numeric_tolerance: 0.005 }' })
        .replace('table: public.legacy_users }', 'table: public.legacy_users }, seed: 99');
      const whole = await runWatched(db, yaml(1000));
      const batched = await runWatched(db, yaml(7));
      expect(whole.result.status).toBe('fail');
      // One batch: one read per path at a time. 86 batches: the next one is read while one is compared.
      expect(whole.peak).toEqual({ legacy: 1, app: 1 });
      expect(batched.peak).toEqual({ legacy: BATCHES_IN_FLIGHT, app: BATCHES_IN_FLIGHT });
      expect(batched.result.statements.filter((s) => s.sql.includes('__parity_row'))).toHaveLength(86 * 3);
      expect(batched.result.status).toBe(whole.result.status);
      expect(batched.result.summary).toBe(whole.result.summary);
      expect(batched.result.observations).toEqual(whole.result.observations);
      expect(batched.result.samples).toEqual(whole.result.samples);
      expect(batched.result.observations).toMatchObject({ sample_size: 600, noisy_fields: {} });
      expect(batched.result.samples).toHaveLength(30);
    } finally {
      await db.exec(`update users set last_name = 'Last' || id, email = 'user' || id || '@example.com'`);
    }
  });

  it('counts keys missing on one path, and drops keys missing on both (vanished)', async () => {
    const result = await run(db, check({
      old: 'select id, full_name as name, email, balance from legacy_users where id = any($keys) and id % 50 <> 0',
      new: "select id, first_name || ' ' || last_name as name, lower(email) as email, balance from users where id = any($keys) and id % 50 <> 0 and id % 40 <> 0",
      extra: '    samples: 1000',
    }));
    const obs = result.observations as Record<string, number>;
    const categories = new Set(result.samples.map((s) => s.category));
    expect(obs.vanished).toBeGreaterThan(0);
    expect(obs.sample_size! + obs.vanished!).toBe(400);
    expect(obs.missing_in_new).toBe(obs.mismatches);
    expect([...categories]).toEqual(['missing_in_new']);
    for (const s of result.samples) expect(Number(s.key.id) % 40).toBe(0);
  });

  // Was: noisy fields excluded for every key and the check passed. Noise is reported per key and
  // reread, never excused: only compare.ignore (explicit, in the check file) excuses a field.
  it('reports fields that differ between two identical old reads as noise, and never excuses them (A/A)', async () => {
    const noisy = (query: string) => query.replace(' from ', ", clock_timestamp() as read_at, clock_timestamp()::text as read_text from ");
    const yaml = (baseline: boolean, ignore = 'updated_at') => check({ old: noisy(OLD), new: noisy(NEW), extra: `    noise_baseline: ${baseline}`, compare: `{ ignore: [${ignore}], normalize: { name: [trim, collapse_whitespace], email: [lower] }, numeric_tolerance: 0.005 }` });
    const withBaseline = await run(db, yaml(true));
    expect(withBaseline.status, withBaseline.summary).toBe('error');
    expect(withBaseline.error?.code).toBe('noise_unresolved');
    const obs = withBaseline.observations as Record<string, any>;
    expect(Object.keys(obs.noisy_fields).sort()).toEqual(['read_at', 'read_text']);
    expect(obs.noise_rate_by_field.read_at).toBe(1);
    expect(obs.noise_resolution).toMatchObject({ unresolved: 400 });
    expect(obs.mismatches).toBe(0);
    expect(withBaseline.summary).toContain('read_at, read_text');
    expect(withBaseline.samples.some((s) => s.category === 'noise')).toBe(true);
    const without = await run(db, yaml(false));
    expect(without.status).toBe('fail');
    expect((without.observations as any).mismatches_by_field.read_at).toBeGreaterThan(0);
    const ignored = await run(db, yaml(true, 'updated_at, read_at, read_text'));
    expect(ignored.status).toBe('pass');
  });

  it('rechecks mismatching keys: those the old path wrote in between and that then agree were in flight', async () => {
    // The old path lags behind: it still shows an old name the new path no longer has.
    await db.exec(`update legacy_users set full_name = 'Before Rename' where id % 10 = 0`);
    let written = false;
    try {
      const result = await run(db, check({ size: '300', extra: '    recheck_after: 800ms' }), (update) => {
        // The first pass is over once every sampled key was read: the write lands on half of them.
        if (update.rowsScanned === 300 && !written) {
          written = true;
          void db.exec(`update legacy_users set full_name = '  First' || id || '   Last' || id || ' ' where id % 20 = 0`);
        }
      });
      const obs = result.observations as Record<string, number>;
      expect(written).toBe(true);
      expect(obs.in_flight).toBeGreaterThan(0);
      expect(obs.mismatches).toBeGreaterThan(0);
      expect(obs.matched_on_recheck_without_write).toBe(0);
      // In-flight keys are not judged: they leave the sample.
      expect(obs.sample_size).toBe(300 - obs.in_flight!);
      for (const s of result.samples) expect(Number(s.key.id) % 20).toBe(10);
    } finally {
      await db.exec(`update legacy_users set full_name = '  First' || id || '   Last' || id || ' '`);
    }
  });

  // Was: any key that matched on the recheck was excused as "in flight", so a new path that is
  // wrong at random (read twice, wrong twice far less often) passed. Now it must be the old path
  // that moved; a repair on the new side alone leaves the first read's mismatch standing.
  it('does not excuse a key the new path got right only on the second read', async () => {
    await db.exec(`update users set first_name = 'Stale' where id % 10 = 0`);
    let fixed = false;
    try {
      const result = await run(db, check({ size: '300', extra: '    recheck_after: 800ms' }), (update) => {
        if (update.rowsScanned === 300 && !fixed) {
          fixed = true;
          void db.exec(`update users set first_name = 'First' || id where id % 20 = 0`);
        }
      });
      const obs = result.observations as Record<string, number>;
      expect(fixed).toBe(true);
      expect(obs.in_flight).toBe(0);
      expect(obs.matched_on_recheck_without_write).toBeGreaterThan(0);
      expect(obs.sample_size).toBe(300);
      expect(result.status).toBe('fail');
      expect(result.summary).toContain('matched on recheck without any write');
      expect(result.samples.some((s) => Number(s.key.id) % 20 === 0)).toBe(true);
    } finally {
      await db.exec(`update users set first_name = 'First' || id`);
    }
  });

  it('samples text and composite keys with TABLESAMPLE BERNOULLI', async () => {
    await db.exec(`create table accounts (region text, handle text, plan text, primary key (region, handle));
      insert into accounts select 'r' || (g % 5), 'h,' || g, case when g % 3 = 0 then 'pro' else 'free' end from generate_series(1, 1500) g;
      create table accounts_new as select * from accounts`);
    const result = await run(db, `
checks:
  - id: accounts
    kind: shadow_read
    key: [region, handle]
    sample: { size: 200, from: { source: legacy, table: accounts }, seed: 7 }
    old: { source: legacy, query: "select region, handle, plan from accounts where region = any($keys.region) and handle = any($keys.handle)" }
    new: { source: app, query: "select a.region, a.handle, upper(a.plan) as plan from accounts_new a join unnest($keys.region::text[], $keys.handle::text[]) k(r, h) on a.region = k.r and a.handle = k.h" }
    compare: { normalize: { plan: [lower] } }
    max_mismatch_rate: 0.1
`);
    expect(result.error).toBeNull();
    expect(result.observations).toMatchObject({ sampling_method: 'bernoulli', sample_size: 200, mismatches: 0, seed: 7, keys_sampled: 200 });
    expect(result.status).toBe('pass');
  });

  // Was: `min(uuid)` in the key-range statement, which PostgreSQL before 18 and PGlite lack, so a
  // shadow read keyed by one uuid column could not run at all.
  it('samples a single uuid key (no min() over uuid)', async () => {
    await db.exec(`create table documents (id uuid primary key, title text);
      insert into documents select md5(g::text)::uuid, 'doc ' || g from generate_series(1, 800) g;
      create table documents_new as select * from documents`);
    const result = await run(db, `
checks:
  - id: documents
    kind: shadow_read
    key: [id]
    sample: { size: 100, from: { source: legacy, table: documents }, seed: 5 }
    old: { source: legacy, query: "select id, title from documents where id = any($keys)" }
    new: { source: app, query: "select d.id, d.title from documents_new d where d.id = any($keys)" }
    max_mismatch_rate: 0.1
`);
    expect(result.error).toBeNull();
    expect(result.observations).toMatchObject({ sampling_method: 'bernoulli', sample_size: 100, mismatches: 0 });
    expect(result.status).toBe('pass');
  });

  it('takes the whole scope when it holds fewer keys than asked, and honours where', async () => {
    const result = await run(db, check({ where: ', where: "id <= 150"' }));
    expect(result.observations).toMatchObject({ sample_size: 150, population_exhausted: true });
  });

  it('reports an empty scope as could-not-verify', async () => {
    const result = await run(db, check({ where: ', where: "id < 0"' }));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('empty_sample');
  });

  it('reports a broken read query as error, never pass', async () => {
    const result = await run(db, check({ new: 'select id, nope from users where id = any($keys)' }));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('missing_column');
  });
});

describe('readInOrder', () => {
  /** A read per item that finishes when the test says so, recording how many were in flight. */
  function controlledReads() {
    const finish = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
    const state = { inFlight: 0, peak: 0, started: [] as number[] };
    const read = (item: number) => new Promise<string>((resolve, reject) => {
      state.started.push(item);
      state.peak = Math.max(state.peak, ++state.inFlight);
      finish.set(item, { resolve: (v) => { state.inFlight--; resolve(v); }, reject: (e) => { state.inFlight--; reject(e); } });
    });
    return { read, finish, state };
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('yields in item order with at most `depth` reads in flight, even when later reads finish first', async () => {
    const { read, finish, state } = controlledReads();
    const seen: string[] = [];
    const consuming = (async () => {
      for await (const [item, value] of readInOrder([1, 2, 3, 4, 5], 2, read)) seen.push(`${item}:${value}`);
    })();
    await tick();
    expect(state.started).toEqual([1, 2]);
    finish.get(2)!.resolve('b');
    await tick();
    expect(seen).toEqual([]);
    expect(state.started).toEqual([1, 2]);
    finish.get(1)!.resolve('a');
    await tick();
    expect(seen).toEqual(['1:a', '2:b']);
    expect(state.started).toEqual([1, 2, 3, 4]);
    for (const item of [5, 3, 4]) { await tick(); finish.get(item)?.resolve(String(item)); }
    await tick();
    finish.get(5)?.resolve('5');
    await consuming;
    expect(seen).toEqual(['1:a', '2:b', '3:3', '4:4', '5:5']);
    expect(state.peak).toBe(2);
  });

  it('surfaces a failed read in order, and only after the reads in flight have settled', async () => {
    const { read, finish, state } = controlledReads();
    const seen: number[] = [];
    let settled = false;
    const consuming = (async () => {
      for await (const [item] of readInOrder([1, 2, 3, 4], 2, read)) seen.push(item);
    })().finally(() => { settled = true; });
    await tick();
    finish.get(2)!.reject(new Error('batch 2 failed')); // before 1 is done: must not count as unhandled
    await tick();
    finish.get(1)!.resolve('a');
    await tick();
    expect(seen).toEqual([1]);
    expect(state.started).toEqual([1, 2, 3]);
    expect(settled).toBe(false); // read 3 is still in flight
    finish.get(3)!.resolve('c');
    await expect(consuming).rejects.toThrow('batch 2 failed');
    expect(state.inFlight).toBe(0);
    expect(state.started).toEqual([1, 2, 3]);
  });
});

describe('shadow_read spec', () => {
  const parse = (old: string, key = '[id]') => () => catalogFromYaml(`
checks:
  - id: s
    kind: shadow_read
    key: ${key}
    sample: { size: 10, from: { source: a, table: t } }
    old: ${old}
    new: { source: a, query: "select id from t where id = any($keys)" }
    max_mismatch_rate: 0.1
`, { a: { url: 'embedded:x' } as never });

  it('rejects queries without $keys, positional parameters and non-http URLs', () => {
    expect(parse('{ source: a, query: "select id from t" }')).toThrow(/must select the sampled keys with \$keys/);
    expect(parse('{ source: a, query: "select id from t where id = $1" }')).toThrow(/uses \$1/);
    expect(parse('{ http: "file:///etc/passwd?{id}" }')).toThrow(/only http/);
    expect(parse('{ http: "http://svc/users/{user}" }')).toThrow(/placeholder \{user\} is not a key column/);
    expect(parse('{ source: a, query: "select a, b from t where a = any($keys)" }', '[a, b]')).toThrow(/use \$keys.<column>/);
  });

  it('leaves $keys inside string literals alone and binds one array per placeholder', () => {
    const statement = compile(planShadowBatch({ source: 'a', query: "select id, '$keys' as lit from t where id = any($keys) and id <> all($keys)" }, ['id'], [['1'], ['2']]));
    expect(statement.text).toContain("'$keys' as lit");
    expect(statement.params).toEqual(['{"1","2"}', '{"1","2"}']);
  });
});
