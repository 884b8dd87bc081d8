/** Benchmark databases on the local server: created on first use, kept between runs. */
import postgres from 'postgres';

/**
 * Creates the database on the server when missing; returns its URL. PARITY_BENCH_DB_SUFFIX keeps a
 * second set of benchmark databases apart (e.g. a small one for quick iterations beside the 10M one).
 */
export async function ensureDatabase(server: string, baseName: string): Promise<string> {
  const suffix = process.env.PARITY_BENCH_DB_SUFFIX ?? '';
  if (!/^[a-z0-9_]*$/.test(suffix)) throw new Error('PARITY_BENCH_DB_SUFFIX: lower-case letters, digits and _ only');
  const name = `${baseName}${suffix}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!exists) await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}
