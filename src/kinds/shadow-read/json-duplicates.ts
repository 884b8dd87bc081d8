/**
 * Duplicate member names in JSON text, at any depth. `{"email":"a","email":"b"}` is valid JSON, but
 * parsers disagree on which value it holds (JSON.parse and ours keep the last, others the first,
 * some reject it), so a record holding one is ambiguous: a shadow read refuses it rather than pick
 * a reading that may differ from the service's own clients. Names are compared after decoding
 * escapes (`"em\u0061il"` is `"email"`). A separate pass over already-validated text, so the
 * comparison's hot parser stays as it is.
 */

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;

/** An open object (names seen, and whether the next string is a name) or array (index) being scanned. */
type Frame = { names: Set<string>; expectName: boolean; current: string } | { index: number };

/** Index just past the string literal starting at `start` (text already known to be valid JSON). */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (Number.isNaN(c)) return i;
    i += c === BACKSLASH ? 2 : 1;
  }
}

/** RFC 6901 escaping of one pointer segment. */
function pointerSegment(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * The JSON pointer of the first repeated member name (e.g. `/profile/email`), or undefined when
 * every object's names are distinct. Expects valid JSON (parse it first); never throws.
 */
export function firstDuplicateMember(text: string): string | undefined {
  const stack: Frame[] = [];
  const pointer = () => stack.map((f) => ('names' in f ? f.current : String(f.index))).map(pointerSegment).map((s) => `/${s}`).join('');
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === QUOTE) {
      const end = endOfString(text, i);
      if (top && 'names' in top && top.expectName) {
        const raw = text.slice(i, end);
        let name = raw.slice(1, -1);
        if (raw.includes('\\')) {
          try { name = JSON.parse(raw) as string; } catch { /* invalid text: the parser reports it */ }
        }
        top.current = name;
        if (top.names.has(name)) return pointer();
        top.names.add(name);
        top.expectName = false;
      }
      i = end;
      continue;
    }
    if (c === OPEN_OBJECT) stack.push({ names: new Set(), expectName: true, current: '' });
    else if (c === OPEN_ARRAY) stack.push({ index: 0 });
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) stack.pop();
    else if (c === COMMA && top) {
      if ('names' in top) top.expectName = true;
      else top.index++;
    }
    i++;
  }
  return undefined;
}
