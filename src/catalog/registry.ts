/** The registry of check kinds. Adding a kind is one file plus one line here. */
import { columnParity } from '../kinds/column-parity.js';
import { nullCheck } from '../kinds/null-check.js';
import { rowCount } from '../kinds/row-count.js';
import { sqlAssert } from '../kinds/sql-assert.js';
import { shadowRead } from '../kinds/shadow-read/shadow-read.js';
import { tableDiff } from '../kinds/table-diff/table-diff.js';
import { unused } from '../kinds/unused/unused.js';
import type { CheckKind } from '../kinds/types.js';

export const checkKinds = [rowCount, nullCheck, columnParity, sqlAssert, shadowRead, tableDiff, unused] as const;

export type CheckSpec = { [K in keyof typeof checkKinds]: (typeof checkKinds)[K] extends CheckKind<infer S> ? S : never }[number];

const byName = new Map<string, CheckKind<any>>(checkKinds.map((k) => [k.kind, k as CheckKind<any>]));

/** Looks a kind up by name (undefined for unknown kinds). */
export function kindOf(name: string): CheckKind<any> | undefined {
  return byName.get(name);
}

export const kindNames: readonly string[] = checkKinds.map((k) => k.kind);
