/**
 * The fast path of a shadow read's row comparison: two JSON object texts walked member by member
 * in one pass, with the lossless parser's scanner (json-lossless.ts), building neither object.
 */
import {
  advance, cursor, failAt, parseValueAt, peek, readPropertyName, release, seek, skipValue, skipWhitespace,
  type LosslessJson,
} from './json-lossless.js';

const QUOTE = 0x22, COMMA = 0x2c, COLON = 0x3a, OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d;

/** Whether a member value can end before this character (whitespace, "," or "}"). */
function endsMember(c: number): boolean {
  return c === COMMA || c === CLOSE_OBJECT || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function sameText(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let k = 0; k < aEnd - aStart; k++) if (a.charCodeAt(aStart + k) !== b.charCodeAt(bStart + k)) return false;
  return true;
}

/** The member names of the last object texts found to repeat no name (rows of a read share them). */
let distinctNames: string[] = [];
const memberNames: string[] = [];

/**
 * Compares two JSON object texts member by member in one pass over both, building neither. A
 * member whose value is the same text on both sides is equal under every comparison rule, so only
 * values that differ as text are parsed and handed to `differ`. Returns the names `differ` finds
 * different, in text order; or undefined when the texts do not hold the same member names in
 * the same order, repeat a name, or are not both valid JSON objects. The caller then parses
 * and compares them whole (which also reports malformed text as the parser does).
 */
export function differingMembers<C>(
  a: string, b: string, skip: ReadonlySet<string>,
  differ: (context: C, name: string, left: LosslessJson, right: LosslessJson) => boolean, context: C,
): string[] | undefined {
  try {
    return lockstep(a, b, skip, differ, context);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  } finally {
    release();
  }
}

function lockstep<C>(a: string, b: string, skip: ReadonlySet<string>, differ: (context: C, name: string, left: LosslessJson, right: LosslessJson) => boolean, context: C): string[] | undefined {
  const aOpen = openObject(a);
  const bOpen = openObject(b);
  if (aOpen < 0 || bOpen < 0) return undefined;
  if (a.charCodeAt(aOpen) === CLOSE_OBJECT || b.charCodeAt(bOpen) === CLOSE_OBJECT) {
    return a.charCodeAt(aOpen) === b.charCodeAt(bOpen) && onlyWhitespaceAfter(a, aOpen + 1) && onlyWhitespaceAfter(b, bOpen + 1) ? [] : undefined;
  }
  let ia = aOpen;
  let ib = bOpen;
  let out: string[] | undefined;
  let sameNames = true;
  let position = 0;
  for (;; position++) {
    seek(a, ia);
    skipWhitespace();
    if (peek() !== QUOTE) return undefined;
    const nameStart = cursor();
    const name = readPropertyName(position);
    // Only a name written without escapes can be matched by its text on the other side.
    if (cursor() - nameStart !== name.length + 2) return undefined;
    const aValue = valueAfterColon();
    const aEnd = cursor();
    const aNext = separator();
    ia = cursor();
    seek(b, ib);
    skipWhitespace();
    const bName = cursor();
    if (b.charCodeAt(bName) !== QUOTE || b.charCodeAt(bName + name.length + 1) !== QUOTE || !b.startsWith(name, bName + 1)) return undefined;
    advance(name.length + 2);
    skipWhitespace();
    if (peek() !== COLON) return undefined;
    advance(1);
    skipWhitespace();
    const bValue = cursor();
    // The same text as a's value, then the end of a value: the very same value, already checked.
    const bEnd = bValue + aEnd - aValue;
    const same = sameText(a, aValue, aEnd, b, bValue, bEnd) && endsMember(b.charCodeAt(bEnd));
    if (same) seek(b, bEnd);
    else skipValue(1);
    const bNext = separator();
    ib = cursor();
    release();
    if (aNext !== bNext) return undefined;
    if (distinctNames[position] !== name) sameNames = false;
    memberNames[position] = name;
    if (!same && !skip.has(name) && differ(context, name, parseValueAt(a, aValue), parseValueAt(b, bValue))) {
      (out ??= []).push(name);
    }
    if (aNext === CLOSE_OBJECT) break;
  }
  if (!onlyWhitespaceAfter(a, ia) || !onlyWhitespaceAfter(b, ib)) return undefined;
  const count = position + 1;
  if (!sameNames || count !== distinctNames.length) {
    memberNames.length = count;
    if (new Set(memberNames).size !== count) return undefined;
    distinctNames = memberNames.slice();
  }
  return out ?? [];
}

/** Index after the opening brace and any whitespace, or -1 when the text is not an object. */
function openObject(source: string): number {
  seek(source, 0);
  skipWhitespace();
  if (peek() !== OPEN_OBJECT) return -1;
  advance(1);
  skipWhitespace();
  return cursor();
}

/** After a member name: the colon, then the value stepped over; returns where the value starts. */
function valueAfterColon(): number {
  skipWhitespace();
  if (peek() !== COLON) failAt('expected ":"');
  advance(1);
  skipWhitespace();
  const start = cursor();
  skipValue(1);
  return start;
}

/** The "," or "}" after a member, stepped over. */
function separator(): number {
  skipWhitespace();
  const next = peek();
  if (next !== COMMA && next !== CLOSE_OBJECT) failAt('expected "," or "}"');
  advance(1);
  return next;
}

function onlyWhitespaceAfter(source: string, from: number): boolean {
  seek(source, from);
  skipWhitespace();
  return cursor() === source.length;
}
