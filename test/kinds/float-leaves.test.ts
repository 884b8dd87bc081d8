import { describe, expect, it } from 'vitest';
import { floatLeavesFrom, floatWidthsDiffer, type TypeParts } from '../../src/kinds/float-leaves.js';

const types = new Map<string, TypeParts>([
  ['700', { name: 'real', parts: [] }],
  ['701', { name: 'double precision', parts: [] }],
  ['2249', { name: 'record', parts: [] }],
  ['1021', { name: 'real[]', parts: [{ oid: '700', step: '[]' }] }],
  ['9001', { name: 'r4', parts: [{ oid: '700', step: '' }] }],
  ['9002', { name: 'pair', parts: [{ oid: '23', step: '.1' }, { oid: '9001', step: '.2' }] }],
  ['9003', { name: 'pair[]', parts: [{ oid: '9002', step: '[]' }] }],
  ['23', { name: 'integer', parts: [] }],
]);

describe('where a type holds floats', () => {
  it('follows domains, arrays and fields by position, and stops at a float or an anonymous record', () => {
    expect(floatLeavesFrom('700', types)).toBe('=real');
    expect(floatLeavesFrom('1021', types)).toBe('[]=real');
    expect(floatLeavesFrom('9001', types)).toBe('=real');
    expect(floatLeavesFrom('9003', types)).toBe('[].2=real');
    expect(floatLeavesFrom('2249', types)).toBe('=record');
    expect(floatLeavesFrom('23', types)).toBeNull();
  });

  it('treats a type the catalog did not describe as unknown, never as holding nothing', () => {
    expect(floatLeavesFrom('424242', types)).toBe('=record');
    expect(floatLeavesFrom('9002', new Map([...types].filter(([oid]) => oid !== '9001')))).toBe('.2=record');
  });

  it('calls widths different only where a real meets a double, or an anonymous record meets a float or a record', () => {
    expect(floatWidthsDiffer('.1=real', '.1=double precision')).toBe(true);
    expect(floatWidthsDiffer('.1=real', '.1=real')).toBe(false);
    expect(floatWidthsDiffer('.1=real', null)).toBe(false);
    // Scalars (and domains over them) have exact rules of their own.
    expect(floatWidthsDiffer('=real', '=double precision')).toBe(false);
    expect(floatWidthsDiffer('=record', '=record')).toBe(true);
    expect(floatWidthsDiffer('=record', '.1=double precision')).toBe(true);
    expect(floatWidthsDiffer('=record', null)).toBe(false);
  });
});
