/**
 * JSON parsing that keeps numbers exact. JSON.parse turns 12345678901234567.89 and
 * 9007199254740993 into nearby doubles, which would hide exactly the drift a shadow read looks
 * for (a bigint id or a money amount off by one unit). Rows read through SQL arrive as
 * `to_json(row)` text and HTTP bodies as text; both go through here, so both sides of a
 * comparison hold the same representation.
 */

/** A JSON number kept as its source text. */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** In output (samples, API) it is a plain number when that is exact, else the decimal text. */
  toJSON(): number | string {
    const n = Number(this.text);
    // 697.70 prints as 697.7: same value, so still a number; 9007199254740993 is not, so text.
    const trimmed = /^-?\d+\.\d+$/.test(this.text) ? this.text.replace(/\.?0+$/, '') : this.text;
    return Number.isFinite(n) && String(n) === trimmed ? n : this.text;
  }
}

export type LosslessJson = null | boolean | string | JsonNumber | LosslessJson[] | { [key: string]: LosslessJson };

const MAX_DEPTH = 256;
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a, MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;
const DIGIT_0 = 0x30, DIGIT_9 = 0x39, LOWER_E = 0x65, UPPER_E = 0x45;

// The parser's cursor lives at module level rather than in closures: shadow reads parse every row,
// and a closure set per call (each wrapped by tsx's __name) cost more than the parsing itself.
// Parsing is synchronous and calls nothing outside this file, so no other parse can interleave.
let text = '';
let at = 0;
/**
 * The property names last seen at each position of an object. Rows of one read share their
 * names, and reusing the string (already internalised as a property key) instead of slicing a
 * new one halves the cost of an object. Only names without escapes are kept, so a name matches
 * exactly when the text at the cursor is `"` + name + `"`.
 */
const recentKeys: string[] = [];
const RECENT_KEYS = 64;

function fail(what: string): never {
  throw new SyntaxError(`invalid JSON at position ${at}: ${what}`);
}

// Hot loops copy the cursor into locals: module-level variables are reloaded on every access.
export function skipWhitespace(): void {
  const t = text;
  let i = at;
  for (;;) {
    const c = t.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else break;
  }
  at = i;
}

/** Steps over a string literal, checking it as JSON.parse would; says whether it holds escapes. */
function scanString(): boolean {
  const t = text;
  let i = at + 1;
  let escaped = false;
  for (;;) {
    const c = t.charCodeAt(i);
    if (c === QUOTE) { at = i + 1; return escaped; }
    if (c === BACKSLASH) {
      escaped = true;
      at = i;
      scanEscape();
      i = at;
      continue;
    }
    if (c < 0x20) { at = i; fail('control character in string'); }
    if (Number.isNaN(c)) { at = i; fail('unterminated string'); }
    i++;
  }
}

/** \" \\ \/ \b \f \n \r \t or \u and four hex digits: the escapes JSON has. */
function scanEscape(): void {
  const c = text.charCodeAt(at + 1);
  if (c === 0x75) {
    for (let k = at + 2; k < at + 6; k++) if (!isHexDigit(text.charCodeAt(k))) fail('invalid \\u escape');
    at += 6;
  } else if (c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
    at += 2;
  } else {
    fail(Number.isNaN(c) ? 'unterminated string' : 'invalid escape');
  }
}

function isHexDigit(c: number): boolean {
  return (c >= DIGIT_0 && c <= DIGIT_9) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function parseString(): string {
  const start = at;
  // Decoding escapes is JSON.parse's business; a literal without any is just its contents.
  return scanString() ? (JSON.parse(text.slice(start, at)) as string) : text.slice(start + 1, at - 1);
}

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/** Steps over -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?, an optional part only when complete. */
function scanNumber(): void {
  const t = text;
  let i = at;
  if (t.charCodeAt(i) === MINUS) i++;
  const first = t.charCodeAt(i);
  if (first === DIGIT_0) i++;
  else if (first > DIGIT_0 && first <= DIGIT_9) { i++; while (isDigit(t.charCodeAt(i))) i++; }
  else fail('unexpected character');
  if (t.charCodeAt(i) === DOT && isDigit(t.charCodeAt(i + 1))) {
    i += 2;
    while (isDigit(t.charCodeAt(i))) i++;
  }
  const e = t.charCodeAt(i);
  if (e === LOWER_E || e === UPPER_E) {
    const sign = t.charCodeAt(i + 1);
    const digitsAt = sign === PLUS || sign === MINUS ? i + 2 : i + 1;
    if (isDigit(t.charCodeAt(digitsAt))) {
      i = digitsAt + 1;
      while (isDigit(t.charCodeAt(i))) i++;
    }
  }
  at = i;
}

function parseNumber(): JsonNumber {
  const start = at;
  scanNumber();
  return new JsonNumber(text.slice(start, at));
}

function parsePropertyName(position: number): string {
  const recent = position < RECENT_KEYS ? recentKeys[position] : undefined;
  if (recent !== undefined && text.charCodeAt(at + 1 + recent.length) === QUOTE && text.startsWith(recent, at + 1)) {
    at += recent.length + 2;
    return recent;
  }
  const start = at;
  const key = parseString();
  if (position < RECENT_KEYS && at - start === key.length + 2) recentKeys[position] = key;
  return key;
}

function parseObject(depth: number): Record<string, LosslessJson> {
  at++;
  const out: Record<string, LosslessJson> = {};
  skipWhitespace();
  if (text.charCodeAt(at) === CLOSE_OBJECT) { at++; return out; }
  for (let position = 0; ; position++) {
    skipWhitespace();
    if (text.charCodeAt(at) !== QUOTE) fail('expected a property name');
    const key = parsePropertyName(position);
    skipWhitespace();
    if (text.charCodeAt(at) !== COLON) fail('expected ":"');
    at++;
    const value = parseValue(depth + 1);
    // A "__proto__" key must stay data, never become the object's prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
    skipWhitespace();
    const next = text.charCodeAt(at);
    if (next === COMMA) { at++; continue; }
    if (next === CLOSE_OBJECT) { at++; return out; }
    fail('expected "," or "}"');
  }
}

function parseArray(depth: number): LosslessJson[] {
  at++;
  const out: LosslessJson[] = [];
  skipWhitespace();
  if (text.charCodeAt(at) === CLOSE_ARRAY) { at++; return out; }
  for (;;) {
    out.push(parseValue(depth + 1));
    skipWhitespace();
    const next = text.charCodeAt(at);
    if (next === COMMA) { at++; continue; }
    if (next === CLOSE_ARRAY) { at++; return out; }
    fail('expected "," or "]"');
  }
}

function parseValue(depth: number): LosslessJson {
  if (depth > MAX_DEPTH) fail('nesting too deep');
  skipWhitespace();
  const c = text.charCodeAt(at);
  if (c === QUOTE) return parseString();
  if (c === OPEN_OBJECT) return parseObject(depth);
  if (c === OPEN_ARRAY) return parseArray(depth);
  if (c === 0x6e) { if (text.startsWith('null', at)) { at += 4; return null; } }
  else if (c === 0x74) { if (text.startsWith('true', at)) { at += 4; return true; } }
  else if (c === 0x66) { if (text.startsWith('false', at)) { at += 5; return false; } }
  else return parseNumber();
  return fail('unexpected character');
}

/**
 * Parses JSON text; throws SyntaxError on malformed input or nesting deeper than 256.
 * Shadow reads parse every row through here: one pass over char codes, no regexes, strings
 * without escapes sliced as they are.
 */
export function parseJsonLossless(input: string): LosslessJson {
  text = input;
  at = 0;
  try {
    const value = parseValue(0);
    skipWhitespace();
    if (at !== text.length) fail('trailing characters');
    return value;
  } finally {
    text = '';
  }
}

/** Steps over one value, checking it exactly as parseValue would, without building anything. */
export function skipValue(depth: number): void {
  if (depth > MAX_DEPTH) fail('nesting too deep');
  skipWhitespace();
  const c = text.charCodeAt(at);
  if (c === QUOTE) { scanString(); return; }
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
    at++;
    skipWhitespace();
    if (text.charCodeAt(at) === close) { at++; return; }
    for (;;) {
      if (close === CLOSE_OBJECT) {
        skipWhitespace();
        if (text.charCodeAt(at) !== QUOTE) fail('expected a property name');
        scanString();
        skipWhitespace();
        if (text.charCodeAt(at) !== COLON) fail('expected ":"');
        at++;
      }
      skipValue(depth + 1);
      skipWhitespace();
      const next = text.charCodeAt(at);
      if (next === COMMA) { at++; continue; }
      if (next === close) { at++; return; }
      fail('expected "," or a closing bracket');
    }
  }
  if (c === 0x6e) { if (text.startsWith('null', at)) { at += 4; return; } }
  else if (c === 0x74) { if (text.startsWith('true', at)) { at += 4; return; } }
  else if (c === 0x66) { if (text.startsWith('false', at)) { at += 5; return; } }
  else { scanNumber(); return; }
  fail('unexpected character');
}


// The lockstep differ (json-lockstep.ts) walks two texts with the same scanner. These move the one
// cursor between them; each export is a plain function so the hot paths stay monomorphic.

/** Puts the cursor at `index` of `source`. */
export function seek(source: string, index: number): void {
  text = source;
  at = index;
}

/** The cursor's index in the current text. */
export function cursor(): number {
  return at;
}

/** Moves the cursor `count` characters on. */
export function advance(count: number): void {
  at += count;
}

/** The character code at the cursor (NaN past the end). */
export function peek(): number {
  return text.charCodeAt(at);
}

/** Drops the reference to the text scanned last, so a large body is not kept alive. */
export function release(): void {
  text = '';
}

/** Throws the parser's SyntaxError at the cursor. */
export function failAt(what: string): never {
  return fail(what);
}

/** A property name at the cursor, read as the object parser reads it (see recentKeys). */
export function readPropertyName(position: number): string {
  return parsePropertyName(position);
}

/** A value already checked by skipValue, parsed as the whole-object parse would. */
export function parseValueAt(source: string, start: number): LosslessJson {
  text = source;
  at = start;
  try {
    return parseValue(1);
  } finally {
    text = '';
  }
}

/** Plain JSON (numbers exact where a double is exact, else decimal text), for samples and APIs. */
export function toPlainJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value)) as unknown;
}
