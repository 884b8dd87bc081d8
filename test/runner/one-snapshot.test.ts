import { describe, expect, it } from 'vitest';
import { oneConnectionServes } from '../../src/runner/one-snapshot.js';
import type { SourceSpec } from '../../src/checkfile/sources.js';

const spec = (url: string, extra: Record<string, unknown> = {}) => ({ url, max_connections: 4, ...extra }) as unknown as SourceSpec;

describe('oneConnectionServes', () => {
  const specs = new Map<string, SourceSpec>([
    ['app', spec('postgres://h/db')],
    ['copy', spec('postgres://h/db')],
    ['slow', spec('postgres://h/db', { statement_timeout: 5000 })],
    ['other', spec('postgres://h/other')],
  ]);
  const sources = { specOf: (name: string) => specs.get(name) };

  it('reads one source, or sources configured alike, in one snapshot', () => {
    expect(oneConnectionServes(sources, ['app', 'app'])).toBe(true);
    expect(oneConnectionServes(sources, ['app', 'copy'])).toBe(true);
  });

  it('reads sources configured apart, or other databases, in two (the documented limit)', () => {
    expect(oneConnectionServes(sources, ['app', 'slow'])).toBe(false);
    expect(oneConnectionServes(sources, ['app', 'other'])).toBe(false);
  });

  it('takes two undeclared sources for two databases', () => {
    expect(oneConnectionServes(sources, ['ghost', 'phantom'])).toBe(false);
    expect(oneConnectionServes(sources, ['ghost', 'ghost'])).toBe(true);
    expect(oneConnectionServes(sources, [])).toBe(false);
  });
});
