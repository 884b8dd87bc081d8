/**
 * The first lossless JSON parser (closures and a sticky regex), kept verbatim as the oracle the
 * faster one in src/compare/json-lossless.ts must agree with.
 */
import { JsonNumber, type LosslessJson } from '../../../src/compare/json-lossless.js';

const MAX_DEPTH = 256;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;

/**
 * Parses JSON text; throws SyntaxError on malformed input or nesting deeper than 256.
 * Shadow reads parse every row through here, so it avoids per-character regexes and re-parsing
 * strings that contain no escapes (about 6× faster than a naive version on to_json rows).
 */
export function parseJsonLosslessV1(text: string): LosslessJson {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`invalid JSON at position ${i}: ${what}`);
  };
  const skip = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else return;
    }
  };
  const parseString = (): string => {
    const start = i;
    let escaped = false;
    i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === QUOTE) break;
      if (c < 0x20) fail('control character in string');
      if (c === BACKSLASH) { escaped = true; i += 2; } else i++;
    }
    i++;
    // Escapes are JSON.parse's business; a literal without any is just its contents.
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };
  const parseValue = (depth: number): LosslessJson => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skip();
    const c = text.charCodeAt(i);
    if (c === QUOTE) return parseString();
    if (c === OPEN_OBJECT) {
      i++;
      const out: Record<string, LosslessJson> = {};
      skip();
      if (text.charCodeAt(i) === CLOSE_OBJECT) { i++; return out; }
      for (;;) {
        skip();
        if (text.charCodeAt(i) !== QUOTE) fail('expected a property name');
        const key = parseString();
        skip();
        if (text.charCodeAt(i) !== COLON) fail('expected ":"');
        i++;
        const value = parseValue(depth + 1);
        // A "__proto__" key must stay data, never become the object's prototype.
        if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        else out[key] = value;
        skip();
        const next = text.charCodeAt(i);
        if (next === COMMA) { i++; continue; }
        if (next === CLOSE_OBJECT) { i++; return out; }
        fail('expected "," or "}"');
      }
    }
    if (c === OPEN_ARRAY) {
      i++;
      const out: LosslessJson[] = [];
      skip();
      if (text.charCodeAt(i) === CLOSE_ARRAY) { i++; return out; }
      for (;;) {
        out.push(parseValue(depth + 1));
        skip();
        const next = text.charCodeAt(i);
        if (next === COMMA) { i++; continue; }
        if (next === CLOSE_ARRAY) { i++; return out; }
        fail('expected "," or "]"');
      }
    }
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (!match) return fail('unexpected character');
    i = NUMBER.lastIndex;
    return new JsonNumber(match[0]);
  };
  const value = parseValue(0);
  skip();
  if (i !== text.length) fail('trailing characters');
  return value;
}
