/** Which ignored roles' statements count because they may run them for others (pure). */
import { describe, expect, it } from 'vitest';
import { actingRoles, staysIgnored, type ActingRoleRow } from '../../../src/kinds/unused/acting-roles.js';

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
