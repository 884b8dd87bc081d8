/**
 * The gate's search for a later reading of a judged result's source as another server
 * (store/gates.ts laterServer) gathers the witnesses' readings once per statement and keeps the
 * newest per source and server. That must deny exactly when the rule in docs/gates.md says so:
 * here random histories (three servers, an alias, witness definitions edited since, running
 * results, resumed scans, ties) are judged by the store and by a direct reading of the rule, on
 * both engines, and every reported witness must itself satisfy the rule.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedState, openPostgresState, type StateDatabase } from '../../src/store/database.js';
import { migrateState } from '../../src/store/migrate.js';
import { storeOver, type Store } from '../../src/store/store.js';
import type { SourceWitness } from '../../src/store/gates.js';
import { adminQuery, engines } from '../support/databases.js';
import { withDatabase } from '../support/postgres-url.js';

/** Three servers: two named by their cluster, one only by address (no system identifier readable). */
const SERVERS = [
  { system_identifier: '7000000000000000001', timeline: 1, database_oid: '16384', database: 'app' },
  { system_identifier: '7000000000000000002', timeline: 1, database_oid: '16384', database: 'app' },
  { system_identifier: null, timeline: null, database_oid: '16384', database: 'app', address: '10.0.0.9', port: 5432, postmaster_started: '1700000000' },
] as const;
const CHECKS = ['c0', 'c1', 'c2', 'c3'] as const;
/** c0 and c1 are required; every check reads `app`; c3 reads it under its alias `legacy`. */
const REQUIRED = ['c0', 'c1'];
const readName = (check: string) => (check === 'c3' ? 'legacy' : 'app');
const WITNESSES: SourceWitness[] = CHECKS.map((check) => ({ source: 'app', readAs: readName(check), checkId: check, hash: `${check}-now`, target: 'T' }));

interface Reading { server: number; lag: number; target: 'T' | 'U' }
interface Row {
  id: string; check: string; current: boolean; status: 'pass' | 'fail' | 'running';
  started: number; read: number | null; finished: number | null; resumed: number | null;
  /** By the name the result read it under: `app` / `legacy` (what the check reads), or both. */
  servers: Record<string, Reading>;
}

const reading = fc.record({ server: fc.integer({ min: 0, max: 2 }), lag: fc.integer({ min: 0, max: 3 }), target: fc.constantFrom<'T' | 'U'>('T', 'T', 'U') });
const row = fc.record({
  check: fc.constantFrom(...CHECKS),
  current: fc.boolean(),
  status: fc.constantFrom<'pass' | 'fail' | 'running'>('pass', 'pass', 'pass', 'fail', 'running'),
  // Minutes; a few values only, so ties happen.
  started: fc.integer({ min: 0, max: 12 }),
  readAfter: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
  duration: fc.integer({ min: 0, max: 4 }),
  resumedBefore: fc.option(fc.integer({ min: 1, max: 5 }), { freq: 6, nil: null }),
  app: fc.option(reading, { freq: 5, nil: null }),
  legacy: fc.option(reading, { freq: 3, nil: null }),
}).map(({ check, current, status, started, readAfter, duration, resumedBefore, app, legacy }, ) => {
  const read = readAfter === null ? null : started + readAfter;
  const servers: Record<string, Reading> = {};
  if (app) servers.app = app;
  if (legacy) servers.legacy = legacy;
  return {
    check, current, status, started, read, servers,
    finished: status === 'running' ? null : (read ?? started) + duration,
    resumed: resumedBefore === null || read === null ? null : read - resumedBefore,
  };
});

/**
 * A witness tied with the judged result, in the group of readings the judged result is the newest
 * of (its own second reading, under the alias): the search must not let the judged result stand
 * for that group and hide the other one.
 */
const TIED_WITH_THE_JUDGED: Omit<Row, 'id'>[] = [
  { check: 'c2', current: false, status: 'pass', started: 5, read: 5, finished: 6, resumed: null, servers: { legacy: { server: 1, lag: 0, target: 'T' } } },
  { check: 'c0', current: false, status: 'pass', started: 5, read: 5, finished: 6, resumed: null, servers: { app: { server: 0, lag: 0, target: 'T' }, legacy: { server: 1, lag: 0, target: 'T' } } },
];

const began = (r: Row) => Math.min(r.read ?? r.started, r.resumed ?? Infinity);

/** serverKey (store/server-key.ts) in JavaScript: the fields that name a server. */
function keyOf(reading: Reading): string {
  const s = SERVERS[reading.server]!;
  return s.system_identifier !== null && s.timeline !== null ? JSON.stringify([s.system_identifier, s.timeline, s.database_oid, s.database]) : JSON.stringify(s);
}

/** The judged result of a check: the one whose reading began last; on a tie an unfinished one, then the later-finished, then the greater id. */
function judgedOf(rows: readonly Row[], check: string): Row | undefined {
  const mine = rows.filter((r) => r.check === check);
  mine.sort((a, b) => began(b) - began(a)
    || (a.finished === null ? -1 : 0) - (b.finished === null ? -1 : 0)
    || (b.finished ?? 0) - (a.finished ?? 0)
    || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return mine[0];
}

/** Whether `o` is a witness, by the rule, that `judged` read `app` as another server. */
function witnesses(judged: Row, o: Row): boolean {
  const ours = judged.servers.app;
  if (ours === undefined || o.id === judged.id || o.finished === null || o.finished < began(judged) || began(o) < began(judged)) return false;
  // A current witness definition: its reading under the name it reads the source by.
  if (o.current) {
    const theirs = o.servers[readName(o.check)];
    return theirs !== undefined && keyOf(theirs) !== keyOf(ours);
  }
  // Any other result: any reading it recorded under the key of where `app` reaches now.
  return Object.values(o.servers).some((theirs) => theirs.target === 'T' && keyOf(theirs) !== keyOf(ours));
}

async function insert(state: StateDatabase, rows: readonly Row[]): Promise<void> {
  const at = (minutes: number | null) => (minutes === null ? null : new Date(Date.UTC(2026, 11, 7, 12, 0) + minutes * 60_000).toISOString());
  await state.raw.transaction(async (query) => {
    await query('delete from parity.runs');
    await query(`insert into parity.runs (id, trigger, status, check_ids) values ('r', 'schedule', 'finished', '[]')`);
    for (const r of rows) {
      const servers = Object.fromEntries(Object.entries(r.servers).map(([name, s]) => [name, { ...SERVERS[s.server], user: 'parity', target: s.target, replica_lag: { seconds: s.lag } }]));
      const observations = r.resumed === null ? {} : { resumed_from: { since: at(r.resumed) } };
      await query(`insert into parity.check_results (id, run_id, check_id, kind, status, definition_hash, servers, observations, started_at, read_at, finished_at)
        values ($1, 'r', $2, 'row_count', $3, $4, $5::text::jsonb, $6::text::jsonb, $7, $8, $9)`,
      [r.id, r.check, r.status, `${r.check}-${r.current ? 'now' : 'before'}`, JSON.stringify(servers), JSON.stringify(observations), at(r.started), at(r.read), at(r.finished)]);
    }
  });
}

describe.each(engines)('the later-server search on %s', (engine) => {
  let state: StateDatabase;
  let store: Store;
  let database: string | undefined;
  beforeAll(async () => {
    if (engine === 'pglite') {
      state = await openEmbeddedState(`memory:${randomUUID()}`);
    } else {
      database = `parity_s_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
      await adminQuery(`create database ${database}`);
      state = openPostgresState(withDatabase(process.env.TEST_DATABASE_URL!, database), { max: 2 });
    }
    await migrateState(state.raw);
    store = storeOver(state);
  });
  afterAll(async () => {
    await state?.close();
    if (database) await adminQuery(`drop database if exists ${database} with (force)`);
  });

  it('denies exactly when a result other than the judged one read the source as another server since, and names one that did', async () => {
    let denials = 0;
    await fc.assert(fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 14 }), async (drawn) => {
      const rows: Row[] = drawn.map((r, i) => ({ ...r, id: `r${String(i).padStart(2, '0')}` }));
      await insert(state, rows);
      const { latest } = await store.gateEvidence(REQUIRED, WITNESSES);
      for (const check of REQUIRED) {
        const judged = judgedOf(rows, check);
        expect(latest.get(check)?.resultId).toBe(judged?.id);
        if (!judged) continue;
        const expected = rows.some((o) => witnesses(judged, o));
        const found = latest.get(check)!.laterServer;
        expect(found !== null && found !== undefined, `judged ${judged.id} of ${JSON.stringify(rows)}`).toBe(expected);
        if (found) {
          denials++;
          expect(witnesses(judged, rows.find((r) => r.id === found.resultId)!), `reported ${found.resultId}`).toBe(true);
        }
      }
    }), { numRuns: engine === 'pglite' ? 60 : 120, seed: 20261207, examples: [[TIED_WITH_THE_JUDGED]] });
    // The histories drawn must exercise both answers.
    expect(denials).toBeGreaterThan(10);
  }, 120_000);
});

describe.each(engines.filter((engine) => engine === 'postgres'))('the state store on %s', () => {
  it('is read with JIT compilation off: the gate evidence read costs seconds of compiling at scale otherwise', async () => {
    const database = `parity_s_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    await adminQuery(`create database ${database}`);
    const state = openPostgresState(withDatabase(process.env.TEST_DATABASE_URL!, database), { max: 1 });
    try {
      const [row] = await state.raw.transaction((query) => query('show jit'));
      expect(row).toEqual({ jit: 'off' });
    } finally {
      await state.close();
      await adminQuery(`drop database if exists ${database} with (force)`);
    }
  });
});
