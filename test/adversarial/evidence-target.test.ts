/**
 * The definition hash covers the resolved target (issue 12 §2): every host and port, database and
 * user, after the PG* variables and defaults the driver applies — never a placeholder, never a secret.
 */
import fc from 'fast-check';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import type { Env } from '../../src/catalog/interpolate.js';
import { describeUrl, secretsInUrl } from '../../src/checkfile/sources.js';
import { resolveTarget, type ResolvedTarget } from '../../src/checkfile/target.js';

const hashOf = (url: string, env: Env = {}) => {
  const parsed = parseCheckFile(`sources:\n  app: { url: ${JSON.stringify(url)} }\nchecks:\n  - { id: c, kind: sql_assert, source: app, query: "select 1 from pg_namespace where nspname = 'parity_never'" }\n`, 'x.yaml', env, { osUser: 'osuser' });
  if (Array.isArray(parsed)) return { problems: parsed };
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) return { problems: catalog };
  return { hash: catalog.checks.get('c')!.hash };
};

/** What postgres.js itself would connect to (it reads process.env; nothing is opened). */
function driverTarget(url: string, env: Env) {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('PG')) delete process.env[key];
  Object.assign(process.env, env);
  try {
    const sql = postgres(url, { connection: {} }) as unknown as { options: { host: string[]; port: number[]; database: string; user: string; connection: Record<string, string> } };
    const o = sql.options;
    return { hosts: o.host.map((host, i) => ({ host, port: o.port[i] })), database: o.connection.database || o.database, user: o.connection.user || o.user };
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

const word = fc.constantFrom('app', 'prod', 'shadow', 'db1', 'db2');
const hostArb = fc.record({ host: fc.constantFrom('h1', 'h2', '10.0.0.7', 'db.example.com'), port: fc.constantFrom(5432, 5433, 6432) });
/** A target and one of the ways to write it (default port implicit or explicit, env or URL, params in any order). */
const writingArb = fc.record({
  hosts: fc.array(hostArb, { minLength: 1, maxLength: 3 }),
  database: fc.option(word, { nil: undefined }),
  user: word,
  params: fc.uniqueArray(fc.constantFrom<[string, string]>(['search_path', 'a'], ['search_path', 'b'], ['application_name', 'x'], ['options', '-c work_mem=8MB']), { selector: ([k]) => k, maxLength: 2 }),
  useEnvHost: fc.boolean(), useEnvUser: fc.boolean(), useEnvDb: fc.boolean(), explicitPort: fc.boolean(), reverse: fc.boolean(),
}).map((w) => {
  const env: Env = {};
  const single = w.hosts.length === 1;
  const hostText = w.hosts.map((h) => (h.port === 5432 && !w.explicitPort ? h.host : `${h.host}:${h.port}`)).join(',');
  let authority = hostText;
  if (single && w.useEnvHost) {
    env.PGHOST = w.hosts[0]!.host;
    env.PGPORT = String(w.hosts[0]!.port);
    authority = '';
  }
  // postgres://user@/db is not a URL (the driver throws too), so an env host takes the user from env as well.
  const user = w.useEnvUser || authority === '' ? ((env.PGUSER = w.user), '') : `${w.user}:s3cret@`;
  const db = w.database === undefined ? '' : w.useEnvDb ? ((env.PGDATABASE = w.database), '') : w.database;
  const params = w.reverse ? [...w.params].reverse() : w.params;
  const query = params.length > 0 ? `?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : '';
  const url = `postgres://${user}${authority}/${db}${query}`;
  const intended = { hosts: w.hosts, database: w.database ?? w.user, user: w.user, params: [...w.params].sort().map(([k, v]) => `${k}=${v}`).join('&') };
  return { url, env, intended };
});

describe('resolved targets', () => {
  it('resolve exactly as postgres.js does (hosts, ports, database, user), whatever comes from the URL or PG* variables', () => {
    fc.assert(fc.property(writingArb, ({ url, env }) => {
      const target = resolveTarget(url, env, 'osuser') as ResolvedTarget;
      expect(target).not.toHaveProperty('error');
      expect({ hosts: target.hosts, database: target.database, user: target.user }).toEqual(driverTarget(url, env));
    }), { numRuns: 300 });
  });

  it('never hash alike when they differ; the same target written differently hashes alike', () => {
    fc.assert(fc.property(writingArb, writingArb, (a, b) => {
      const [ha, hb] = [hashOf(a.url, a.env), hashOf(b.url, b.env)];
      expect(ha.hash && hb.hash).toBeTruthy();
      expect(ha.hash === hb.hash).toBe(JSON.stringify(a.intended) === JSON.stringify(b.intended));
    }), { numRuns: 500 });
  });

  it('do not depend on the password or on a secret parameter', () => {
    expect(hashOf('postgres://u:one@h/db').hash).toBe(hashOf('postgres://u:two@h:5432/db').hash);
    expect(hashOf('postgres://u@h/db?sslmode=require&password=x').hash).toBe(hashOf('postgres://u@h/db?password=y&sslmode=require').hash);
  });

  it('follow PGDATABASE and PGUSER for a URL without a database or user', () => {
    const url = 'postgres://h1:5432,h2:5433/';
    expect(hashOf(url, { PGDATABASE: 'prod', PGUSER: 'u' }).hash).not.toBe(hashOf(url, { PGDATABASE: 'staging', PGUSER: 'u' }).hash);
    expect(hashOf('postgres://h1/', { PGUSER: 'alice' }).hash).not.toBe(hashOf('postgres://h1/', { PGUSER: 'bob' }).hash);
    // database = user by default, as the driver does.
    expect(hashOf('postgres://alice@h1/').hash).toBe(hashOf('postgres://alice@h1/alice').hash);
    // ?database= and ?user= are startup parameters that override the URL's own.
    expect(hashOf('postgres://u@h1/a?database=b').hash).toBe(hashOf('postgres://u@h1/b').hash);
    expect(hashOf('postgres://u@h1/a?user=v').hash).not.toBe(hashOf('postgres://u@h1/a').hash);
  });

  it('tell multi-host lists apart by every host and port', () => {
    const one = hashOf('postgres://u:p@h1:5432,h2:5432/db').hash;
    expect(one).toBeTruthy();
    expect(hashOf('postgres://u:p@h1:5432,h3:5432/db').hash).not.toBe(one);
    expect(hashOf('postgres://u:p@h1:5432,h2:5433/db').hash).not.toBe(one);
    expect(hashOf('postgres://u:p@h1:5432/db').hash).not.toBe(one);
    expect(hashOf('postgres://u:p@h1,h2/db').hash).toBe(one);
  });

  it('make an unresolvable URL a load problem at its file:line:column, never a hash of a placeholder', () => {
    for (const url of ['postgres://u@h:99999/db', 'postgres://u@h:abc/db', 'postgres://u@h1,:5432/db', 'postgres://u@[::1/db', 'postgres://u@h/db?default_transaction_read_only=off', 'postgres://u@h/db?options=-c%20default_transaction_read_only%3Doff', 'postgres://u@h/db?target_session_attrs=any', 'postgres:///db?host=h1', 'postgres://u@h/db?port=5433', 'postgres://u@h/?dbname=prod', 'postgres://u@h/db?hostaddr=10.0.0.1']) {
      const result = hashOf(url);
      expect(result.hash, url).toBeUndefined();
      expect(result.problems?.[0], url).toMatchObject({ file: 'x.yaml', line: 2, path: 'sources.app.url' });
    }
    expect(hashOf('postgres:///db', {}).problems).toBeUndefined();
  });

  it('describe multi-host URLs without their secrets', () => {
    const url = 'postgres://u:hunter2@h1:5432,h2:5433/db?sslmode=require&sslpassword=topsecret';
    expect(describeUrl(url)).toBe('postgres://u:***@h1:5432,h2:5433/db?sslmode=require&sslpassword=***');
    expect(secretsInUrl(url)).toEqual(expect.arrayContaining(['hunter2', 'topsecret']));
    expect(describeUrl('postgres://u:p%40ss@[::1/db')).toBe('postgres://<unparseable url>');
    expect(describeUrl('postgres://u:p%40ss@[::1/db')).not.toContain('p%40ss');
  });
});
