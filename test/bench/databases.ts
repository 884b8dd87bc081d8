/** Benchmark databases on the local server: created on first use, kept between runs. */
import postgres from 'postgres';

/** Creates the database on the server when missing; returns its URL. */
export async function ensureDatabase(server: string, name: string): Promise<string> {
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
