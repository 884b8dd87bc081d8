/**
 * YAML numbers must mean exactly what their text says. The YAML parser reads every number as a
 * double, so `9007199254740993` silently becomes 9007199254740992 and `0.10000000000000000001`
 * becomes 0.1 — an expected value or a limit that is not what the operator wrote. This pass reads
 * each number's source text before the document is converted: integers too large for a double
 * become exact BigInts (only `sql_assert`'s expected value accepts them; every other knob refuses
 * them), and anything else that would change value, or is not finite, is a problem.
 */
import { isPair, isScalar, isSeq, visit, type Document, type Node } from 'yaml';

export interface NumberProblem {
  /** Character offset of the number in the file. */
  offset: number;
  path: PropertyKey[];
  message: string;
}

const DECIMAL = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/;

/** The decimal value of `text` in one canonical spelling (`-123e-2`), or undefined if it is not decimal. */
export function canonicalDecimal(text: string): string | undefined {
  const match = DECIMAL.exec(text);
  if (!match || `${match[2]}${match[3] ?? ''}` === '') return undefined;
  const fraction = match[3] ?? '';
  let digits = `${match[2]}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  const trimmed = digits.replace(/0+$/, '');
  const exponent = Number(match[4] ?? 0) - fraction.length + (digits.length - trimmed.length);
  digits = trimmed;
  return `${match[1] === '-' ? '-' : ''}${digits}e${exponent}`;
}

/**
 * Checks every number in the document against its source text; turns too-large integers into
 * BigInts in place and reports the numbers that cannot be held exactly.
 */
export function checkYamlNumbers(doc: Document): NumberProblem[] {
  const problems: NumberProblem[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'number' || node.source === undefined) return;
      const text = node.source;
      const value = node.value;
      const at = { offset: node.range?.[0] ?? 0, path: pathOf(ancestors, node) };
      if (!Number.isFinite(value)) {
        problems.push({ ...at, message: `${text} is not a finite number` });
        return;
      }
      const exact = canonicalDecimal(text);
      if (exact === undefined) {
        // 0x1F, 0o17: integer notations; only their size can make them inexact.
        if (!Number.isSafeInteger(value)) node.value = BigInt(text);
        return;
      }
      if (/^[-+]?\d+$/.test(text)) {
        // An integer is exact only if the double holds that very integer: comparing shortest decimal
        // texts would accept 119209289550781250000000, which the double holds as …252370432.
        if (BigInt(value) !== BigInt(text)) node.value = BigInt(text);
        return;
      }
      if (exact === canonicalDecimal(String(value))) return;
      problems.push({ ...at, message: `the number ${text} cannot be held exactly (it would be read as ${String(value)}); write at most 15 significant digits` });
    },
  });
  return problems;
}

/** The key path of a node from its ancestors (map keys and list indices). */
export function pathOf(ancestors: readonly unknown[], node: Node): PropertyKey[] {
  const path: PropertyKey[] = [];
  const chain = [...ancestors, node];
  chain.forEach((ancestor, i) => {
    const child = chain[i + 1];
    if (isPair(ancestor) && isScalar(ancestor.key)) path.push(String(ancestor.key.value));
    else if (isSeq(ancestor) && child !== undefined) path.push(ancestor.items.indexOf(child as never));
  });
  return path;
}
