/**
 * SQL expressions in check files (`new: first_name || ' ' || last_name`, `where:`) are trusted
 * configuration that runs inside READ ONLY transactions. We still reject text that would escape
 * the surrounding statement (`;`, comments, unbalanced parentheses or quotes) so a typo becomes a
 * file:line:column error instead of a confusing SQL error — or a statement that means something else.
 */

/** Returns a problem description, or undefined when the expression is safe to embed. */
export function lintExpression(text: string): string | undefined {
  if (text.trim().length === 0) return 'is empty';
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "'" || c === '"') {
      const close = findClosingQuote(text, i + 1, c);
      if (close === -1) return `has an unterminated ${c === "'" ? 'string literal' : 'quoted identifier'}`;
      i = close + 1;
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i));
      if (tag && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        if (end === -1) return 'has an unterminated dollar-quoted string';
        i = end + tag[0].length;
        continue;
      }
    }
    if (c === ';') return 'contains ";" — an expression must be a single SQL expression, not statements';
    if (c === '-' && next === '-') return 'contains a "--" comment, which would hide the rest of the generated statement';
    if (c === '/' && next === '*') return 'contains a "/*" comment';
    if (c === '(') depth++;
    if (c === ')') {
      depth--;
      if (depth < 0) return 'has a ")" without a matching "("';
    }
    i++;
  }
  if (depth !== 0) return 'has a "(" without a matching ")"';
  return undefined;
}

function findClosingQuote(text: string, from: number, quote: string): number {
  let i = from;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) { i += 2; continue; }
      return i;
    }
    // E'' strings allow backslash escapes; a backslash-escaped quote must not close the literal.
    if (quote === "'" && text[i] === '\\' && /[eE]$/.test(text.slice(0, from - 1))) { i += 2; continue; }
    i++;
  }
  return -1;
}
