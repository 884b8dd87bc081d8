import { describe, expect, it } from 'vitest';
import { pinningSql } from '../../src/sources/postgres.js';
import { PINNED_SETTINGS } from '../../src/sources/types.js';

describe('the statement pinning a read transaction\'s settings', () => {
  it('writes every setting as a literal, so it needs no Describe round trip and can share one with the first read', () => {
    const text = pinningSql({ ...PINNED_SETTINGS, statement_timeout: '30000' });
    expect(text).not.toMatch(/\$\d/);
    expect(text).toContain("set_config('TimeZone', 'UTC', true)");
    expect(text).toContain("set_config('DateStyle', 'ISO, YMD', true)");
    expect(text).toContain("set_config('statement_timeout', '30000', true)");
    expect(text.match(/set_config\(/g)).toHaveLength(Object.keys(PINNED_SETTINGS).length + 1);
  });

  it('refuses a value it would have to quote rather than ever quoting one', () => {
    expect(() => pinningSql({ application_name: "x', false), set_config('default_transaction_read_only', 'off" })).toThrow(/unexpected character/);
    expect(() => pinningSql({ search_path: 'a\\b' })).toThrow(/unexpected character/);
    expect(() => pinningSql({ 'bad;name': '1' })).toThrow(/unexpected character/);
  });
});
