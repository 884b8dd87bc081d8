/** "The same server": the TypeScript judgement and the SQL key the gate's store query compares agree. */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sameServer, type ServerIdentity } from '../../src/results/server-identity.js';
import { serverKey } from '../../src/store/server-key.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { openEmbeddedState, openPostgresState, type StateDatabase } from '../../src/store/database.js';
import { rowsOf } from '../../src/store/async-commit.js';
import { engines } from '../support/databases.js';

const base = { system_identifier: '7001', timeline: 1, database_oid: '16384', database: 'app', user: 'parity', address: '10.0.0.1', port: 5432, version_num: 150000, version: '15', in_recovery: false, privilege_warnings: [] } satisfies ServerIdentity;
const variants: Partial<ServerIdentity>[] = [
  base,
  { ...base, address: '10.0.0.2', port: 6432, in_recovery: true, user: 'other' },
  { ...base, system_identifier: '7002' },
  { ...base, database_oid: '16385' },
  { ...base, database: 'app2' },
  { ...base, database_oid: undefined },
  { ...base, system_identifier: null },
  { ...base, system_identifier: null, address: '10.0.0.2' },
  { ...base, system_identifier: null, port: 6432 },
  { ...base, system_identifier: null, address: null, port: null },
  // A clone restored from a base backup and promoted: everything but the timeline is its origin's.
  { ...base, timeline: 2 },
  { ...base, timeline: 2, address: '10.0.0.2' },
  // The timeline not readable (no EXECUTE on pg_control_checkpoint()): the start stands in.
  { ...base, timeline: null, postmaster_started: '1796550000' },
  { ...base, timeline: null, postmaster_started: '1796559999' },
  { ...base, timeline: null, postmaster_started: '1796550000', address: '10.0.0.2' },
  // Recorded before the timeline was read.
  { ...base, timeline: undefined },
  // Embedded databases: one template's cluster and database for all; their own id and data directory tell them apart.
  { ...base, embedded_id: '0b1c5c8e-1111-4c8e-8e8e-000000000001', data_dir: '/srv/parity' },
  { ...base, embedded_id: '0b1c5c8e-1111-4c8e-8e8e-000000000002', data_dir: '/srv/parity' },
  { ...base, embedded_id: '0b1c5c8e-1111-4c8e-8e8e-000000000001', data_dir: '/srv/moved' },
  { ...base, embedded_id: '0b1c5c8e-1111-4c8e-8e8e-000000000001', data_dir: '/srv/parity', address: null, port: null },
  { ...base, system_identifier: null, embedded_id: '0b1c5c8e-1111-4c8e-8e8e-000000000001', data_dir: '/srv/parity' },
];

describe.each(engines)('the same server on %s', (engine) => {
  let state: StateDatabase;
  beforeAll(async () => {
    state = engine === 'pglite' ? await openEmbeddedState(`memory:${randomUUID()}`) : openPostgresState(process.env.TEST_DATABASE_URL!, { max: 1 });
  });
  afterAll(() => state.close());

  it('is judged alike by sameServer and by the SQL key, for every pair of variants', async () => {
    for (const a of variants) {
      for (const b of variants) {
        const rows = rowsOf<{ same: boolean }>(await state.db.execute(sql`select ${serverKey(sql`${JSON.stringify(a)}::jsonb`)} = ${serverKey(sql`${JSON.stringify(b)}::jsonb`)} as same`));
        expect([a, b, rows[0]!.same]).toEqual([a, b, sameServer(a, b)]);
      }
    }
    // A standby of the same timeline, at another address: the same server.
    expect(sameServer(variants[0]!, variants[1]!)).toBe(true);
    // A promoted clone (or a standby promoted in a failover): another server until checks read it.
    expect(sameServer(base, { ...base, timeline: 2 })).toBe(false);
    // Two embedded databases copied from one template, and one recorded before embedded ids: three databases.
    const embedded = { ...base, embedded_id: '0b1c5c8e-1111-4c8e-8e8e-000000000001', data_dir: '/srv/parity' };
    expect(sameServer(embedded, { ...embedded, embedded_id: '0b1c5c8e-1111-4c8e-8e8e-000000000002' })).toBe(false);
    expect(sameServer(embedded, base)).toBe(false);
    expect(sameServer(embedded, { ...embedded, address: null, port: null })).toBe(true);
  });
});
