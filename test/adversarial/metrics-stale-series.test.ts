/**
 * A gauge series says how something stands now. The OpenTelemetry SDK keeps exporting every series
 * an observable gauge ever observed (cumulative temporality merges each collection into the last),
 * so a check removed from the check files, or one whose kind changed, kept its last status,
 * mismatches and last-success time until the process restarted. Alerts (ParityCheckFailing),
 * dashboards and rollout analyses that query parity_check_status or the mismatch gauges then act
 * on a check that no longer exists, or on what an older definition found.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { createWorld, runChecks, startParity, type Parity, type World } from '../telemetry/support.js';

const CHECKS = `
checks:
  - id: users-row-count
    kind: row_count
    old: { source: app, table: public.users_legacy }
    new: { source: app, table: public.users }
  - id: users-name-parity
    kind: column_parity
    source: app
    key: [id]
    old: { table: public.users_legacy, expr: full_name }
    new: { table: public.users, expr: "first_name || ' ' || last_name" }
migrations:
  - id: users-split-name
    phases:
      - name: backfill
        requires: [users-row-count]
        max_age: 1h
`;

const REMOVED = CHECKS.replace(/  - id: users-name-parity[\s\S]*?(?=migrations:)/, '');

const KIND_CHANGED = CHECKS.replace(/  - id: users-name-parity[\s\S]*?(?=migrations:)/, `  - { id: users-name-parity, kind: sql_assert, source: app, query: "select 1 from pg_namespace where nspname = 'parity_never'" }
`);

describe.each(engines)('per-check gauges say how the checks declared now stand, on %s', (engine) => {
  let world: World | undefined;
  let parity: Parity | undefined;
  afterEach(async () => {
    await parity?.stop();
    await world?.close();
    parity = undefined;
    world = undefined;
  });

  async function rewrite(w: World, p: Parity, text: string) {
    const file = path.join(w.checksDir, 'checks.yaml');
    const sources = (await readFile(file, 'utf8')).split('checks:')[0]!;
    await writeFile(file, sources + text.trimStart());
    expect((await p.service.ensureCurrentCatalog()).valid).toBe(true);
  }

  /** Gauge samples (not counters or histograms: those count what happened) about the check. */
  async function gaugesOf(p: Parity, checkId: string, labels: Record<string, string> = {}) {
    const scraped = await p.scrape();
    return scraped.samples.filter((s) => scraped.types.get(s.name) === 'gauge' && s.labels.check_id === checkId
      && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  it('drops the gauges of a check removed from the check files, without a restart', async () => {
    world = await createWorld(engine, { checks: CHECKS });
    parity = await startParity(world);
    await runChecks(parity, ['users-row-count', 'users-name-parity']);
    const before = await gaugesOf(parity, 'users-name-parity');
    expect(before.find((s) => s.name === 'parity_check_status' && s.labels.status === 'fail')?.value).toBe(1);
    expect(before.some((s) => s.name === 'parity_check_mismatches')).toBe(true);
    await rewrite(world, parity, REMOVED);
    expect(await gaugesOf(parity, 'users-name-parity')).toEqual([]);
    // The checks still declared keep theirs.
    expect((await parity.scrape()).value('parity_check_status', { check_id: 'users-row-count', status: 'pass' })).toBe(1);
  });

  it('does not report what an older definition of a check found as the check\'s standing (kind changed)', async () => {
    world = await createWorld(engine, { checks: CHECKS });
    parity = await startParity(world);
    await runChecks(parity, ['users-name-parity']);
    await rewrite(world, parity, KIND_CHANGED);
    // The check as declared now has no result: it has no status, no findings, no last success.
    expect(await gaugesOf(parity, 'users-name-parity', { kind: 'column_parity' })).toEqual([]);
    expect((await gaugesOf(parity, 'users-name-parity')).map((s) => s.name)).toEqual([]);
    await runChecks(parity, ['users-name-parity']);
    const now = await gaugesOf(parity, 'users-name-parity');
    expect(now.every((s) => s.labels.kind === 'sql_assert')).toBe(true);
    expect(now.find((s) => s.name === 'parity_check_status' && s.labels.status === 'pass')?.value).toBe(1);
    expect(now.some((s) => s.name === 'parity_check_differences')).toBe(false);
  });

  it('does not report an older definition\'s pass as the current definition\'s (same kind, edited)', async () => {
    world = await createWorld(engine, { checks: CHECKS });
    parity = await startParity(world);
    await runChecks(parity, ['users-row-count']);
    expect((await parity.scrape()).value('parity_check_status', { check_id: 'users-row-count', status: 'pass' })).toBe(1);
    // Now compares a table with a row more: not verified yet, so not a pass.
    await rewrite(world, parity, CHECKS.replace('new: { source: app, table: public.users }', 'new: { source: app, table: public.users, where: "id < 150" }'));
    expect((await parity.scrape()).find('parity_check_status', { check_id: 'users-row-count', status: 'pass' })).toEqual([]);
    expect((await parity.scrape()).find('parity_check_last_success_timestamp_seconds', { check_id: 'users-row-count' })).toEqual([]);
    // Not exempt from ParityCheckNotVerified meanwhile: the time the edit was declared stands in.
    const edited = await parity.scrape();
    expect(edited.find('parity_check_last_verified_timestamp_seconds', { check_id: 'users-row-count' })).toEqual([]);
    const since = edited.value('parity_check_awaiting_verification_since_timestamp_seconds', { check_id: 'users-row-count' });
    expect(Math.abs(since! - Date.now() / 1000)).toBeLessThan(120);
    await runChecks(parity, ['users-row-count']);
    const after = await parity.scrape();
    expect(after.find('parity_check_awaiting_verification_since_timestamp_seconds', { check_id: 'users-row-count' })).toEqual([]);
    expect(after.value('parity_check_last_verified_timestamp_seconds', { check_id: 'users-row-count' })).toBeGreaterThanOrEqual(since!);
    expect(after.value('parity_check_status', { check_id: 'users-row-count', status: 'fail' })).toBe(1);
    // The only pass there is was of the older definition: the current one never passed.
    expect(after.find('parity_check_last_success_timestamp_seconds', { check_id: 'users-row-count' })).toEqual([]);
  });

  it('keeps the gauges of a check across a restart and an edit outside its definition', async () => {
    world = await createWorld(engine, { checks: CHECKS });
    parity = await startParity(world);
    await runChecks(parity, ['users-row-count']);
    await rewrite(world, parity, CHECKS.replace('  - id: users-row-count\n', '  - id: users-row-count\n    description: rows carried over\n'));
    expect((await parity.scrape()).value('parity_check_status', { check_id: 'users-row-count', status: 'pass' })).toBe(1);
    await parity.stop();
    parity = await startParity(world);
    expect((await parity.scrape()).value('parity_check_status', { check_id: 'users-row-count', status: 'pass' })).toBe(1);
  });

  it('counts an unverified definition from its first declaration, kept in the store across restarts', async () => {
    world = await createWorld(engine, { checks: CHECKS });
    parity = await startParity(world);
    const first = (await parity.scrape()).value('parity_check_awaiting_verification_since_timestamp_seconds', { check_id: 'users-row-count' });
    expect(first).toBeDefined();
    await parity.stop();
    // A rolling restart: the new process declares the same definition later; the alert's clock must not start again.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    parity = await startParity(world);
    expect((await parity.scrape()).value('parity_check_awaiting_verification_since_timestamp_seconds', { check_id: 'users-row-count' })).toBe(first);
    // An edit is a new definition: its clock starts when it is declared.
    await rewrite(world, parity, CHECKS.replace('new: { source: app, table: public.users }', 'new: { source: app, table: public.users, where: "id < 150" }'));
    await parity.telemetry.refresh();
    expect((await parity.scrape()).value('parity_check_awaiting_verification_since_timestamp_seconds', { check_id: 'users-row-count' })).toBeGreaterThan(first! + 1);
  });
});
