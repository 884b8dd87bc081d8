import { describe, expect, it } from 'vitest';
import type { TypeParts } from '../../src/kinds/float-leaves.js';
import { opaqueTextFault, opaqueTextLeavesFrom } from '../../src/kinds/opaque-texts.js';

const types = new Map<string, TypeParts>([
  ['2205', { name: 'regclass', parts: [] }],
  ['4096', { name: 'regrole', parts: [] }],
  ['142', { name: 'xml', parts: [] }],
  ['143', { name: 'xml[]', parts: [{ oid: '142', step: '[]' }] }],
  ['2211', { name: 'regtype[]', parts: [{ oid: '2206', step: '[]' }] }],
  ['2206', { name: 'regtype', parts: [] }],
  ['23', { name: 'integer', parts: [] }],
  ['9001', { name: 'xd', parts: [{ oid: '142', step: '' }] }],
  ['9002', { name: 'ref', parts: [{ oid: '23', step: '.1' }, { oid: '2205', step: '.2' }] }],
  ['9003', { name: 'ref[]', parts: [{ oid: '9002', step: '[]' }] }],
  ['9004', { name: 'xw', parts: [{ oid: '9001', step: '.1' }] }],
]);

describe('opaque text leaves', () => {
  it('finds object identifiers printed through the search_path wherever they are', () => {
    expect(opaqueTextLeavesFrom('2205', types)).toBe('=regclass');
    expect(opaqueTextLeavesFrom('2211', types)).toBe('[]=regtype');
    expect(opaqueTextLeavesFrom('9003', types)).toBe('[].2=regclass');
  });

  it('keeps names that need no schema, and plain values', () => {
    expect(opaqueTextLeavesFrom('4096', types)).toBeNull();
    expect(opaqueTextLeavesFrom('23', types)).toBeNull();
  });

  it('finds xml only inside a container, unless every value is written by its output function', () => {
    expect(opaqueTextLeavesFrom('142', types)).toBeNull();
    expect(opaqueTextLeavesFrom('9001', types)).toBeNull();
    expect(opaqueTextLeavesFrom('143', types)).toBe('[]=xml');
    expect(opaqueTextLeavesFrom('9004', types)).toBe('.1=xml');
    expect(opaqueTextLeavesFrom('142', types, { xmlByOutput: true })).toBe('=xml');
  });

  it('names object identifiers first, then nested xml', () => {
    expect(opaqueTextFault([])).toBeUndefined();
    expect(opaqueTextFault([{ value: 'column a', side: 'old', leaves: '[]=xml' }, { value: 'column b', side: 'new', leaves: '=regclass' }])?.code).toBe('object_identifier');
    expect(opaqueTextFault([{ value: 'column a', side: 'old', leaves: '[]=xml' }])?.code).toBe('xml_in_container');
  });
});
