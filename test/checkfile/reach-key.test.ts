import { describe, expect, it } from 'vitest';
import { reachKey } from '../../src/checkfile/reach-key.js';
import type { ResolvedTarget } from '../../src/checkfile/target.js';

const APP: ResolvedTarget = { hosts: [{ host: 'db.example.com', port: 5432 }], database: 'shop', user: 'parity', target_session_attrs: null, parameters: [] };

describe('reachKey', () => {
  it('is one key for URLs that reach one server, whatever role or settings each connects with', () => {
    expect(reachKey({ ...APP, user: 'legacy_reader', parameters: [['search_path', 'legacy']] })).toBe(reachKey(APP));
  });

  it('tells apart another host, port, database or session attribute', () => {
    const others: ResolvedTarget[] = [
      { ...APP, hosts: [{ host: 'db2.example.com', port: 5432 }] },
      { ...APP, hosts: [{ host: 'db.example.com', port: 5433 }] },
      { ...APP, database: 'shop_legacy' },
      { ...APP, target_session_attrs: 'standby' },
    ];
    expect(new Set([APP, ...others].map(reachKey)).size).toBe(others.length + 1);
  });

  it('names no host: a host taken from the environment is a secret', () => {
    expect(reachKey(APP)).toMatch(/^reach:[0-9a-f]{32}$/);
    expect(reachKey('embedded:shop')).not.toBe(reachKey('embedded:other'));
    expect(reachKey(undefined)).toBeUndefined();
  });
});
