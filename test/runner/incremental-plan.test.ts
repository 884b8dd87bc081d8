/** Planning an incremental pass from the chain of earlier results (pure), and judging the catalog's answer. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incrementalOutcome, planPass, type ChainLink, type IncrementalMark } from '../../src/runner/incremental.js';
import { judgeColumnMaintenance } from '../../src/introspect/maintained-column.js';

const SETTINGS = { column: 'updated_at', overlap: 300_000, full_every: 7 * 86_400_000, trust_column: false };
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function link(id: string, mode: 'full' | 'incremental', watermark: number | null, lowerBound: number | null, over: Partial<ChainLink> = {}): ChainLink {
  const mark: IncrementalMark = { mode, column: 'updated_at', watermark: watermark === null ? null : at(watermark), lower_bound: lowerBound === null ? null : at(lowerBound), maintained_by: 'trigger', trusted_column: false };
  return { resultId: id, status: 'pass', definitionHash: 'h', incremental: mark, coverage: null, ...over };
}

describe('planning a pass', () => {
  const now = new Date(T0 + 120 * 60_000);
  it('is full without a recorded full pass', () => {
    expect(planPass(SETTINGS, 'h', [], now)).toMatchObject({ mode: 'full', reason: expect.stringMatching(/no full pass/) });
    expect(planPass(SETTINGS, 'h', [link('a', 'incremental', 10, 0)], now)).toMatchObject({ mode: 'full' });
  });
  it('extends an unbroken chain from the newest watermark minus overlap', () => {
    const chain = [link('c', 'incremental', 60, 25), link('b', 'incremental', 30, 0), link('a', 'full', 0, null)];
    expect(planPass(SETTINGS, 'h', chain, now)).toEqual({ mode: 'incremental', lowerBound: new Date(at(55)), fullPassAt: at(0), previousPasses: 2 });
  });
  it('breaks on a link that did not pass, another definition, a gap, an unknown watermark, or an old full pass', () => {
    const base = (newest: ChainLink) => [newest, link('b', 'incremental', 30, 0), link('a', 'full', 0, null)];
    expect(planPass(SETTINGS, 'h', base(link('c', 'incremental', 60, 25, { status: 'fail' })), now)).toMatchObject({ mode: 'full', reason: expect.stringMatching(/result c was fail/) });
    expect(planPass(SETTINGS, 'h', base(link('c', 'incremental', 60, 25, { status: 'error' })), now)).toMatchObject({ mode: 'full', reason: expect.stringMatching(/result c was error/) });
    expect(planPass(SETTINGS, 'h', base(link('c', 'incremental', 60, 25, { definitionHash: 'old' })), now)).toMatchObject({ mode: 'full', reason: expect.stringMatching(/another definition/) });
    expect(planPass(SETTINGS, 'h', base(link('c', 'incremental', 60, 31)), now)).toMatchObject({ mode: 'full', reason: expect.stringMatching(/a gap/) });
    expect(planPass(SETTINGS, 'h', base(link('c', 'incremental', null, 25)), now)).toMatchObject({ mode: 'full', reason: expect.stringMatching(/no watermark/) });
    expect(planPass({ ...SETTINGS, full_every: 60 * 60_000 }, 'h', base(link('c', 'incremental', 60, 25)), now)).toMatchObject({ mode: 'full', reason: expect.stringMatching(/older than full_every/) });
  });
  it('breaks on a link that read a source as another server than this pass reads (the URL re-pointed since)', () => {
    const server = (system_identifier: string, database_oid = '16384', timeline = 1) => ({ system_identifier, timeline, database_oid, database: 'app', address: '10.0.0.1', port: 5432 });
    const chain = (full: ReturnType<typeof server>) => [link('c', 'incremental', 60, 25, { servers: { app: server('7001') } }), link('b', 'incremental', 30, 0, { servers: { app: server('7001') } }), link('a', 'full', 0, null, { servers: { app: full } })];
    const now7001 = { app: { ...server('7001'), address: '10.0.0.2', user: 'parity', version_num: 150000, version: '15', in_recovery: false, privilege_warnings: [] } };
    // Another address (a standby of the same timeline, a pooler), same cluster and database, keeps the chain.
    expect(planPass(SETTINGS, 'h', chain(server('7001')), now, now7001)).toMatchObject({ mode: 'incremental' });
    expect(planPass(SETTINGS, 'h', chain(server('7002')), now, now7001)).toMatchObject({ mode: 'full', reason: 'result a read source "app" as another server than this pass reads' });
    expect(planPass(SETTINGS, 'h', chain(server('7001', '99999')), now, now7001)).toMatchObject({ mode: 'full' });
    // A promoted clone of the cluster: the same but for its timeline.
    expect(planPass(SETTINGS, 'h', chain(server('7001', '16384', 2)), now, now7001)).toMatchObject({ mode: 'full' });
    expect(planPass(SETTINGS, 'h', [link('b', 'incremental', 30, 0, { servers: { app: server('7001') } }), link('a', 'full', 0, null)], now, now7001)).toMatchObject({ mode: 'full', reason: expect.stringMatching(/result a read source "app" as another server/) });
  });

  it('never plans a lower bound after the newest watermark (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 10 }), fc.integer({ min: 0, max: 600_000 }), (steps, overlap) => {
      const chain: ChainLink[] = [link('f', 'full', 0, null)];
      let w = 0;
      for (const [i, step] of steps.entries()) {
        const plan = planPass({ ...SETTINGS, overlap }, 'h', chain, new Date(T0 + (w + step) * 60_000));
        if (plan.mode !== 'incremental') return false;
        expect(plan.lowerBound.getTime()).toBeLessThanOrEqual(Date.parse(at(w)));
        chain.unshift(link(`i${i}`, 'incremental', w + step, (plan.lowerBound.getTime() - T0) / 60_000));
        w += step;
      }
      return true;
    }));
  });
});

describe('stating coverage', () => {
  const mark: IncrementalMark = { mode: 'incremental', column: 'updated_at', watermark: at(60), lower_bound: at(55), maintained_by: 'trigger', trusted_column: false };
  const pass = { status: 'pass' as const, summary: 's', observations: {}, samples: [] };
  const plan = { mode: 'incremental' as const, lowerBound: new Date(at(55)), fullPassAt: at(0), previousPasses: 2 };
  it('counts the passes since the full pass, and a failing or resumed pass breaks the chain', () => {
    expect(incrementalOutcome(pass, plan, mark, false).observations.coverage).toEqual({ full_pass_at: at(0), incremental_passes: 3, unbroken: true, last_at: at(60) });
    expect(incrementalOutcome({ ...pass, status: 'fail' }, plan, mark, false).observations.coverage).toMatchObject({ unbroken: false });
    const resumed = incrementalOutcome(pass, plan, mark, true);
    expect(resumed.observations).toMatchObject({ coverage: { unbroken: false, last_at: null }, incremental: { watermark: null } });
  });
});

describe('judging the catalog', () => {
  const definition = (body: string) => `CREATE OR REPLACE FUNCTION public.f()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$${body}$function$`;
  const row = (triggers: unknown[], over: Record<string, unknown> = {}) => {
    const { column_default = null, ...rest } = over;
    return { server_now: new Date(T0), column_type: 'timestamp with time zone', time_function_shadowed: false, relations: [{ relation: 't', kind: 'r', column_default, triggers }], ...rest };
  };
  const trigger = (over: Record<string, unknown> = {}) => {
    const { source = 'begin NEW.updated_at := now(); return new; end', ...rest } = over;
    return { name: 'tr', type: 1 | 2 | 4 | 16, enabled: 'O', column_list: false, has_when: false, function: 'f()', language: 'plpgsql', definition: definition(String(source)), ...rest };
  };
  it('accepts a BEFORE INSERT OR UPDATE row trigger that sets the column', () => {
    expect(judgeColumnMaintenance(row([trigger()]), 'updated_at')).toMatchObject({ maintained: true, updateTrigger: 'tr', insertCoveredBy: { trigger: 'tr' } });
    expect(judgeColumnMaintenance(row([trigger({ source: 'BEGIN\n  NEW . "updated_at" = clock_timestamp();\n  RETURN NEW;\nEND' })]), 'updated_at').maintained).toBe(true);
  });
  it('takes no DEFAULT as covering INSERTs: an INSERT that names the column keeps the value it names', () => {
    const judged = judgeColumnMaintenance(row([trigger({ type: 1 | 2 | 16 })], { column_default: 'now()' }), 'updated_at');
    expect(judged).toMatchObject({ maintained: false, insertCoveredBy: undefined });
    expect(judged.description).toMatch(/INSERTs: .*DEFAULT now\(\) covers no INSERT that names the column .*BEFORE INSERT OR UPDATE/);
    expect(judgeColumnMaintenance(row([], { column_default: 'now()' }), 'updated_at')).toMatchObject({ maintained: false });
  });
  it('rejects triggers that miss some updates', () => {
    for (const t of [
      trigger({ type: 2 | 4 | 16 }), // statement-level
      trigger({ type: 1 | 4 | 16 }), // AFTER
      trigger({ enabled: 'D' }), trigger({ enabled: 'R' }),
      trigger({ column_list: true }), trigger({ has_when: true }),
      trigger({ source: 'begin new.updated_at_old := now(); return new; end' }),
      trigger({ source: "begin if new.updated_at is null then raise exception 'x'; end if; return new; end" }), // names it, never sets it
      trigger({ type: 1 | 2 | 4 }), // INSERT only
    ]) expect(judgeColumnMaintenance(row([t]), 'updated_at').maintained).toBe(false);
  });
  it('refuses a missing or naive timestamp column', () => {
    expect(judgeColumnMaintenance(row([trigger()], { column_type: null }), 'updated_at')).toMatchObject({ maintained: false, typeProblem: expect.stringMatching(/no column/) });
    expect(judgeColumnMaintenance(row([trigger()], { column_type: 'timestamp without time zone' }), 'updated_at')).toMatchObject({ maintained: false });
  });
});
