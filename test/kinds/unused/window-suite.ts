/**
 * A full-evidence `unused` scenario on a throwaway Postgres 15 cluster with pg_stat_statements:
 * per case, DDL as postgres, a first run (the baseline), snapshots aged past the window, the
 * application's statements in the window (as reporting_ro), and a second run that is judged.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchCluster, type ScratchCluster } from '../../support/scratch-cluster.js';
import { createTestStore } from '../../support/databases.js';
import type { Store } from '../../../src/store/store.js';
import type { FinishedResult } from '../../../src/store/runs.js';
import { ageSnapshots, runUnused } from './support.js';

const SETUP = `
  create extension pg_stat_statements;
  create role parity_ro login; grant pg_read_all_stats to parity_ro;
  create role reporting_ro login;
  alter default privileges grant select, insert, update on tables to parity_ro, reporting_ro;
  alter default privileges grant usage on sequences to reporting_ro;
  alter default privileges grant execute on functions to reporting_ro;`;

/** One scenario, written with `s` (a schema of its own) in every name. */
export interface WindowCase {
  name: string;
  /** DDL and seed rows, run as postgres before the baseline. */
  setup: string;
  /** `columns: [...]` or `tables: [...]`. */
  target: string;
  /** What the application runs (as reporting_ro) inside the window. */
  window: string[];
  /** The sound outcome: 'used' (fail, or error: could not verify — never pass), or 'pass' for a control. */
  expected: 'used' | 'pass';
  /** Roles the check ignores, beside parity_ro and postgres. */
  ignore?: string[];
}

const check = (id: string, target: string, ignore: readonly string[]) => `checks:
  - id: ${id}
    kind: unused
    source: app
    ${target}
    window: 24h
    ignore: { roles: [${['parity_ro', 'postgres', ...ignore].join(', ')}] }
`;

/** A throwaway cluster with pg_stat_statements and its roles, and a store for the check's snapshots. */
export interface UnusedCluster {
  /** The app database's URL as `role`. */
  urlAs(role: string): string;
  /** Runs `statements` one after another on one connection as `role`. */
  as(role: string, statements: readonly string[]): Promise<void>;
  store(): Store;
}

/**
 * Opens the cluster before the suite's tests and destroys it after them (call inside a describe).
 * `settings` are its server settings; `setup` runs as postgres in the app database once.
 */
export function useUnusedCluster(settings: Record<string, string>, setup = SETUP): UnusedCluster {
  let cluster: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  const urlAs = (role: string) => `postgres://${role}@127.0.0.1:${cluster.port}/app`;
  const as = async (role: string, statements: readonly string[]) => {
    const sql = postgres(urlAs(role), { max: 1, onnotice: () => {} });
    try {
      for (const statement of statements) await sql.unsafe(statement);
    } finally {
      await sql.end();
    }
  };
  beforeAll(async () => {
    cluster = await createScratchCluster({ shared_preload_libraries: 'pg_stat_statements', ...settings });
    await cluster.exec('create database app');
    await as('postgres', [setup]);
    ({ store, close: closeStore } = await createTestStore('pglite'));
  }, 120_000);
  afterAll(async () => {
    await closeStore?.();
    await cluster?.destroy();
  });
  return { urlAs, as, store: () => store };
}

/** Runs each case's two runs and asserts the sound outcome; `settings` are the cluster's server settings. */
export function windowSuite(title: string, settings: Record<string, string>, cases: (s: string) => WindowCase[]): void {
  describe(title, () => {
    const { urlAs, as, store: storeOf } = useUnusedCluster(settings);

    const s = `h${randomUUID().slice(0, 6)}`;
    it.each(cases(s).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const id = `c${randomUUID().slice(0, 8)}`;
      const store = storeOf();
      const run = (): Promise<FinishedResult> => runUnused({ url: urlAs('parity_ro'), dataDir: `memory:${randomUUID()}` }, check(id, c.target, c.ignore ?? []), store);
      await as('postgres', [`create schema ${s}; grant usage on schema ${s} to public`, c.setup]);
      try {
        await run();
        await ageSnapshots(store, id, 25);
        await as('reporting_ro', c.window);
        const result = await run();
        if (c.expected === 'pass') expect(result.status, result.summary).toBe('pass');
        else expect(['fail', 'error'], `parity said ${result.status}: ${result.summary}`).toContain(result.status);
      } finally {
        await as('postgres', [`drop schema ${s} cascade`, 'select pg_stat_statements_reset()']);
      }
    }, 60_000);
  });
}
