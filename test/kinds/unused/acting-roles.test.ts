/** Which ignored roles' statements count because they may run them for others (pure). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../../src/sql/build.js';
import { actingRoles, planActingRoles, staysIgnored, type ActingRoleRow } from '../../../src/kinds/unused/acting-roles.js';
import { createTestDatabase, engines, type TestDatabase } from '../../support/databases.js';

const ignored = ['parity_ro', 'postgres', 'migrator'];
const definer: ActingRoleRow = { role: 'migrator', why: 'it owns SECURITY DEFINER s.export_column(regclass,text)', nested_only: true, session_role: 'parity_ro' };
const mapping = (role: string | null): ActingRoleRow => ({ role, why: 'user mapping for reporting_ro on server loop (postgres_fdw)', nested_only: false, session_role: 'parity_ro' });

describe('unused: ignored roles acting for others', () => {
  it('counts only the nested statements of a SECURITY DEFINER owner', () => {
    const acting = actingRoles([definer], ignored);
    const set = new Set(ignored);
    expect(staysIgnored(set, acting, 'migrator', 'false')).toBe(false);
    expect(staysIgnored(set, acting, 'migrator', 'true')).toBe(true);
    // Before Postgres 14 nothing tells nested from top level: all count.
    expect(staysIgnored(set, acting, 'migrator', null)).toBe(false);
    expect(staysIgnored(set, acting, 'postgres', 'false')).toBe(true);
  });

  it('counts every statement of the role a user mapping names', () => {
    const acting = actingRoles([mapping('postgres')], ignored);
    const set = new Set(ignored);
    expect(staysIgnored(set, acting, 'postgres', 'true')).toBe(false);
    expect(staysIgnored(set, acting, 'migrator', 'true')).toBe(true);
  });

  it('counts every ignored role but parity\'s own when a mapping\'s user cannot be read (or dblink is installed)', () => {
    const acting = actingRoles([mapping(null)], ignored);
    const set = new Set(ignored);
    expect(staysIgnored(set, acting, 'postgres', 'true')).toBe(false);
    expect(staysIgnored(set, acting, 'migrator', 'true')).toBe(false);
    expect(staysIgnored(set, acting, 'parity_ro', 'true')).toBe(true);
  });

  it('a role acting at top level anywhere counts whole, with every reason', () => {
    const acting = actingRoles([definer, mapping('migrator')], ignored);
    expect(acting.get('migrator')?.nestedOnly).toBe(false);
    expect(acting.get('migrator')?.why).toContain('SECURITY DEFINER');
    expect(acting.get('migrator')?.why).toContain('user mapping');
    expect(staysIgnored(new Set(ignored), acting, 'migrator', 'true')).toBe(false);
  });

  it('never touches a role that is not ignored', () => {
    expect(staysIgnored(new Set(ignored), actingRoles([mapping(null)], ignored), 'reporting_ro', 'true')).toBe(false);
    expect(actingRoles([{ ...definer, role: 'app_owner' }], ignored).size).toBe(0);
  });
});

if (engines.includes('postgres')) {
  describe('unused: the roles foreign servers connect as, read from the catalog', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase('postgres');
      await db.exec(`create extension postgres_fdw;
        create foreign data wrapper my_pg handler postgres_fdw_handler validator postgres_fdw_validator;
        create server elsewhere foreign data wrapper my_pg options (dbname 'x');
        create user mapping for public server elsewhere options (user 'postgres')`);
    }, 60_000);
    afterAll(async () => {
      await db?.close();
    });
    const read = async (ignored: string[]) => {
      const { text, params } = compile(planActingRoles(ignored));
      return await db.exec(text, params) as ActingRoleRow[];
    };

    it('names the role a mapping of a wrapper over postgres_fdw\'s code connects as', async () => {
      const rows = await read(['postgres', 'migrator']);
      expect(rows.map((r) => r.role)).toContain('postgres');
      expect(actingRoles(rows, ['postgres', 'migrator']).get('postgres')?.nestedOnly).toBe(false);
    });

    it('names the owner of a SECURITY DEFINER function anyone may execute, for its nested statements', async () => {
      await db.exec(`create function sd_probe() returns int language sql security definer as 'select 1'`);
      try {
        const acting = actingRoles(await read(['postgres']), ['postgres']);
        expect(acting.get('postgres')?.why).toContain('sd_probe()');
      } finally {
        await db.exec('drop function sd_probe()');
      }
    });
  });
}
