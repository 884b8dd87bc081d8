import { describe, expect, it } from 'vitest';
import { plannerTrustedProblems } from '../../src/sources/planner-trusted-code.js';

/** One IMPLICIT_CODE_SQL row of a trusted tree calling a built-in, with `fields` changed. */
const row = (fields: Record<string, unknown>) => ({
  relation: 'orders', what: 'its CHECK constraint qty_small', trusted: true, ref: 'f:1', function: 'int4lt(integer,integer)',
  builtin: true, extension: false, estimator: false, operator: null, operator_installed: null, ...fields,
});

describe('stored trees the planner trusts', () => {
  it('refuses a user function, naming relation, place and function', () => {
    expect(plannerTrustedProblems([row({ function: 'small(integer)', builtin: false })])).toEqual(['orders (its CHECK constraint qty_small): small(integer)']);
  });

  it('refuses a user operator even when its function is a built-in (its commutator and negator are claims the planner trusts)', () => {
    expect(plannerTrustedProblems([row({ ref: 'o:20000', operator: '===(integer,integer)', operator_installed: false })])).toEqual(['orders (its CHECK constraint qty_small): operator ===(integer,integer)']);
  });

  it('does not judge an operator\'s estimator, a tree the planner does not trust, a built-in or a trusted extension\'s function', () => {
    expect(plannerTrustedProblems([
      row({ ref: 'o:96', operator: '=(integer,integer)', operator_installed: true, function: 'my_sel(internal)', builtin: false, estimator: true }),
      row({ trusted: false, function: 'small(integer)', builtin: false }),
      row({}),
      row({ function: 'citext_eq(citext,citext)', builtin: false, extension: true }),
    ])).toEqual([]);
  });

  it('refuses a call whose function the catalog no longer knows', () => {
    expect(plannerTrustedProblems([row({ function: null, builtin: null, extension: null, ref: 'f:99999' })])).toEqual(['orders (its CHECK constraint qty_small): an unknown function (f:99999)']);
  });
});
