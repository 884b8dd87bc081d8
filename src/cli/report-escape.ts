/** Escaping for the reports the CLI writes: XML attribute/text content, and Markdown table cells. */

/** Characters XML 1.0 does not allow at all (control characters other than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text safe inside an XML attribute or element: markup characters escaped, characters XML cannot
 * carry replaced by U+FFFD (a sample value may hold any text; the report must still parse).
 */
export function escapeXml(text: string): string {
  return text.replace(XML_FORBIDDEN, '\uFFFD')
    .replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;').replaceAll("'", '&apos;')
    // Attribute values normalise raw newlines and tabs to spaces; character references keep them.
    .replaceAll('\n', '&#10;').replaceAll('\r', '&#13;').replaceAll('\t', '&#9;');
}

/** Text safe inside one cell of a GitHub Markdown table: no pipe, newline or HTML ends the cell or the page. */
export function escapeMarkdownCell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
    .replaceAll('`', '\\`').replace(/\r?\n/g, '<br>');
}

/** Text as inline code in Markdown, whatever backticks it holds. */
export function markdownCode(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\r?\n/g, ' ')}${pad}${fence}`;
}
