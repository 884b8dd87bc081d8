/**
 * An incremental pass reads rows stamped at or after the last watermark (the verified server's
 * now()) minus overlap. When that clock goes back — an NTP step, a VM restored, a server whose
 * clock ran ahead and was corrected — writes made since carry stamps before the last watermark,
 * and every later lower bound passes over them: the chain would keep passing over a row a full
 * pass fails on.
 */
import { describe, expect, it } from 'vitest';
import { planPass, type ChainLink } from '../../src/runner/incremental.js';

const SETTINGS = { column: 'updated_at', overlap: 0, full_every: 7 * 86_400_000, trust_column: false };
const T0 = Date.parse('2026-01-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const link = (id: string, mode: 'full' | 'incremental', watermark: number, lowerBound: number | null): ChainLink => ({
  resultId: id, status: 'pass', definitionHash: 'h', coverage: null,
  incremental: { mode, column: 'updated_at', watermark: at(watermark), lower_bound: lowerBound === null ? null : at(lowerBound), maintained_by: 'trigger', trusted_column: false, table_state: 's' },
});

describe('watermarks of an incremental chain', () => {
  it('a clock that now reads before the last watermark makes the pass full', () => {
    // The last pass read at 10:30; the server's clock was stepped back an hour since.
    const chain = [link('b', 'incremental', 30, 0), link('a', 'full', 0, null)];
    const plan = planPass(SETTINGS, 'h', chain, new Date(T0 - 30 * 60_000), undefined, 's');
    expect(plan).toMatchObject({ mode: 'full', reason: expect.stringMatching(/clock .* reads earlier than the last watermark/) });
  });

  it('a link whose watermark is before the previous one breaks the chain', () => {
    const chain = [link('c', 'incremental', 40, 20), link('b', 'incremental', 20, -10), link('a', 'full', -10, null)];
    expect(planPass(SETTINGS, 'h', [link('c', 'incremental', 15, 20), ...chain.slice(1)], new Date(T0 + 60 * 60_000), undefined, 's'))
      .toMatchObject({ mode: 'full', reason: expect.stringMatching(/watermark before the previous one/) });
    expect(planPass(SETTINGS, 'h', chain, new Date(T0 + 60 * 60_000), undefined, 's')).toMatchObject({ mode: 'incremental' });
  });
});
