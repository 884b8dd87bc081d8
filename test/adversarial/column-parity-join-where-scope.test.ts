/**
 * column_parity's join form lets each side's `where` read anything: "a row one side's where leaves
 * out is counted missing" (docs/checks.md). That holds only while the other side keeps the key. A
 * pair of filters on the compared values leaves a key out of both sides, where it is neither
 * compared nor missing:
 *   - `amount > 0` on the old side and `amount_cents > 0` on the new: every refund the migration
 *     got wrong (-5 became -9.00) is out of both scopes. The same-table form refuses exactly this
 *     (a `where` naming a compared column, `scope_reads_compared`: "a value that is set but wrong
 *     is hidden by any condition on it");
 *   - both filters keeping only keys whose two values agree (`id in (select … where
 *     p.amount_cents = l.amount * 100)`): every mismatch is out of both scopes, whatever the
 *     migration did.
 * Half the rows differ; each check passed over the other half.
 * Sound outcome: not a pass (a load problem at `where`, or an error such as scope_reads_compared).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const AGREEING = "id in (select p.id from payments p join legacy l using (id) where p.amount_cents = l.amount * 100)";
const CASES: [string, string, string][] = [
  ['each side filtered on its own compared value', 'amount > 0', 'amount_cents > 0'],
  ['both sides filtered to the keys whose values agree', AGREEING, AGREEING],
  ['each side filtered on the other side\'s compared value', 'id in (select id from payments where amount_cents > 0)', 'id in (select id from legacy where amount > 0)'],
];

describe.each(engines)('column_parity join form with filters on the compared values, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table legacy (id int primary key, amount numeric);
      create table payments (id int primary key, amount_cents bigint);
      insert into legacy select g, case when g % 2 = 0 then 5 else -5 end from generate_series(1, 100) g;
      insert into payments select g, case when g % 2 = 0 then 500 else -900 end from generate_series(1, 100) g;
    `);
  });
  afterAll(() => db?.close());

  it.each(CASES)('does not pass over 50 mismatching keys: %s', async (_name, oldWhere, newWhere) => {
    const check = (oldW?: string, newW?: string) => `checks:\n  - id: c\n    kind: column_parity\n    source: app\n    key: [id]\n`
      + `    old: { table: legacy, expr: amount${oldW ? `, where: ${JSON.stringify(oldW)}` : ''} }\n`
      + `    new: { table: payments, expr: "amount_cents / 100.0"${newW ? `, where: ${JSON.stringify(newW)}` : ''} }\n`;
    // The trap is armed: without the filters, half the keys differ.
    const unfiltered = await runCheck(db, check());
    expect([unfiltered.status, unfiltered.observations.value_mismatches]).toEqual(['fail', 50]);
    let status: string;
    try {
      const result = await runCheck(db, check(oldWhere, newWhere));
      status = result.status === 'pass' ? `pass: ${result.summary}` : result.status;
    } catch (e) {
      status = /where/.test((e as Error).message) ? 'refused at load' : `threw: ${(e as Error).message}`;
    }
    expect(['error', 'fail', 'refused at load']).toContain(status);
  });

  it('names the filter that reads a compared value', async () => {
    const result = await runCheck(db, `checks:\n  - { id: c, kind: column_parity, source: app, key: [id], old: { table: legacy, expr: amount, where: "amount > 0" }, new: { table: payments, expr: "amount_cents / 100.0", where: "amount_cents > 0" } }\n`);
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'scope_reads_compared']);
  });

  it('one side filtered on its value, the other whole: every key the whole side holds is compared, so the mismatches fail', async () => {
    const result = await runCheck(db, `checks:\n  - { id: c, kind: column_parity, source: app, key: [id], old: { table: legacy, expr: amount, where: "amount > 0" }, new: { table: payments, expr: "amount_cents / 100.0" } }\n`);
    expect(result.status, result.summary).toBe('fail');
  });

  it('one side filtered on its value, the other on the key alone: every key in the key-scoped side is compared (control: passes)', async () => {
    // The odd keys are out of the new side's scope by its own key filter; the old side's value
    // filter drops them too. Every even key — all the new side's scope — is compared and agrees.
    const result = await runCheck(db, `checks:\n  - { id: c, kind: column_parity, source: app, key: [id], old: { table: legacy, expr: amount, where: "amount > 0" }, new: { table: payments, expr: "amount_cents / 100.0", where: "id % 2 = 0" } }\n`);
    expect(result.status, result.summary).toBe('pass');
  });

  it('passes filters on the key alone, reading either table (control)', async () => {
    const even = 'id % 2 = 0';
    const both = await runCheck(db, `checks:\n  - { id: c, kind: column_parity, source: app, key: [id], old: { table: legacy, expr: amount, where: "${even}" }, new: { table: payments, expr: "amount_cents / 100.0", where: "${even}" } }\n`);
    expect(both.status, both.summary).toBe('pass');
    const across = await runCheck(db, `checks:\n  - { id: c, kind: column_parity, source: app, key: [id], old: { table: legacy, expr: amount, where: "${even} and id in (select id from payments)" }, new: { table: payments, expr: "amount_cents / 100.0", where: "${even}" } }\n`);
    expect(across.status, across.summary).toBe('pass');
  });
});
