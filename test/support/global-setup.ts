/**
 * With TEST_DATABASE_URL set, prepares a migrated template database once per test run, so each
 * test file can clone its own state database in milliseconds.
 */
import postgres from 'postgres';
import { openPostgresState } from '../../src/store/database.js';
import { migrateState } from '../../src/store/migrate.js';
import { withDatabase } from './postgres-url.js';
import { sweepScratchClusters } from './scratch-cluster.js';

export default async function setup(): Promise<() => Promise<void>> {
  // Scratch clusters carry this run's pid: leftovers of killed runs go now, this run's at teardown.
  const run = String(process.pid);
  process.env.PARITY_TEST_RUN_PID = run;
  await sweepScratchClusters();
  const sweepOwn = async () => { await sweepScratchClusters({ run }); };
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return sweepOwn;
  const TEMPLATE_DB = `parity_test_template_${process.pid}`;
  process.env.PARITY_TEST_TEMPLATE = TEMPLATE_DB;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await admin.unsafe(`create database ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const state = openPostgresState(withDatabase(url, TEMPLATE_DB), { max: 1 });
  try {
    await migrateState(state.raw);
  } finally {
    await state.close();
  }
  return async () => {
    const cleanup = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await cleanup.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
    } finally {
      await cleanup.end();
      await sweepOwn();
    }
  };
}
