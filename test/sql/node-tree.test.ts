import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldableCalls } from '../../src/sql/node-tree.js';

const VAR = '{VAR :varno 1 :varattno 2 :vartype 23 :location 21}';
const CONST = '{CONST :consttype 23 :constlen 4 :constbyval true :constisnull false :location 30 :constvalue 4 [ 7 0 0 0 0 0 0 0 ]}';
const call = (funcid: number, ...args: string[]) => `{FUNCEXPR :funcid ${funcid} :funcresulttype 23 :args (${args.join(' ')}) :location 25}`;
const opexpr = (opno: number, opfuncid: number, ...args: string[]) => `{OPEXPR :opno ${opno} :opfuncid ${opfuncid} :opresulttype 23 :args (${args.join(' ')}) :location 23}`;

describe('calls the planner may fold in a stored expression', () => {
  it('a call over constants only is foldable; one over a column is not, and neither is the call around it', () => {
    // (v + hook(7)), as pg_index.indexprs holds it
    expect(foldableCalls(`(${opexpr(551, 177, VAR, call(16451, CONST))})`)).toEqual(new Set(['f:16451']));
    expect(foldableCalls(`(${call(16451, VAR)})`)).toEqual(new Set());
  });

  it('a call with no arguments, and an operator over constants, are foldable', () => {
    expect(foldableCalls(call(16500))).toEqual(new Set(['f:16500']));
    expect(foldableCalls(opexpr(16600, 16601, CONST, CONST))).toEqual(new Set(['o:16600', 'f:16601']));
    // hook(pi()): the inner built-in folds to a constant, and then the outer call does too
    expect(foldableCalls(call(16451, call(1610)))).toEqual(new Set(['f:16451', 'f:1610']));
  });

  it('names that spell node syntax are plain text, not fields', () => {
    const alias = '{ALIAS :aliasname a\\ :funcid\\ 5\\ \\} :colnames ("x\\ \\{FUNCEXPR\\ :funcid\\ 6")}';
    expect(foldableCalls(`(${alias} ${call(16451, VAR)})`)).toEqual(new Set());
  });

  it('text that is not a whole tree is not understood (the caller then refuses)', () => {
    expect(foldableCalls(`(${call(16451, VAR)}`.slice(0, -3))).toBeUndefined();
    expect(foldableCalls('}')).toBeUndefined();
  });

  it('a call is foldable exactly when no column sits anywhere under it', () => {
    const leaf = fc.constantFrom(VAR, CONST);
    const tree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.tuple(fc.integer({ min: 16384, max: 20000 }), fc.array(tie('node'), { maxLength: 3 })).map(([id, args]) => call(id, ...args))),
    })).node;
    fc.assert(fc.property(tree, (text) => {
      const found = foldableCalls(text);
      expect(found).toBeDefined();
      // Every call found foldable has a subtree without VAR: removing all VARs never loses one.
      const withoutVars = foldableCalls(text.replaceAll(VAR, CONST))!;
      for (const id of found!) expect(withoutVars.has(id)).toBe(true);
      if (!text.includes(VAR)) expect(found).toEqual(withoutVars);
    }));
  });
});
