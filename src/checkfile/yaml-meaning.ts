/**
 * A check file means what a YAML 1.2 reader takes it to mean, or it does not load: no `%YAML 1.1`
 * reading, no tag that makes a value no check field holds. Runs before the numbers are checked.
 */
import { isScalar, visit, type Document } from 'yaml';
import { pathOf, type NumberProblem } from './yaml-numbers.js';

/** The tags of YAML 1.2's core schema, each with the test of the value it must have made. */
const CORE_TAGS = new Map(Object.entries({
  str: (v: unknown) => typeof v === 'string',
  int: (v: unknown) => typeof v === 'number' || typeof v === 'bigint',
  float: (v: unknown) => typeof v === 'number',
  bool: (v: unknown) => typeof v === 'boolean',
  null: (v: unknown) => v === null,
  map: () => true,
  seq: () => true,
}).map(([name, fits]) => [`tag:yaml.org,2002:${name}`, fits]));

/**
 * A check file is YAML 1.2 under the core schema. A `%YAML 1.1` directive says the author meant
 * 1.1, where `yes` is true and `010` is 8; a tag beyond the core ones (`!!timestamp`, `!!set`,
 * `!!omap`, `!!binary`, `!local`) makes a value no check field holds, which became `{}` or
 * something else the file does not say. Both are problems, never a silent other reading.
 */
export function checkYamlMeaning(doc: Document): NumberProblem[] {
  const problems: NumberProblem[] = [];
  const version = doc.directives?.yaml;
  if (version?.explicit && version.version !== '1.2') {
    problems.push({ offset: 0, path: [], message: `%YAML ${version.version}: check files are YAML 1.2 (core schema), where yes is text and 010 is ten; remove the directive or write %YAML 1.2` });
  }
  visit(doc, {
    Node(_key, node, ancestors) {
      const tag = (node as { tag?: string }).tag;
      if (tag === undefined) return;
      const fits = CORE_TAGS.get(tag);
      // A core tag the parser could not apply leaves the text as a string (`!!float 1` is "1").
      if (fits && (!isScalar(node) || fits(node.value))) return;
      const shown = tag.replace('tag:yaml.org,2002:', '!!');
      const at = { offset: node.range?.[0] ?? 0, path: pathOf(ancestors, node) };
      problems.push({ ...at, message: fits ? `the tag ${shown} does not fit ${isScalar(node) ? String(node.source ?? node.value) : 'this value'}; write the value plainly` : `the tag ${shown} is not allowed: check files use plain YAML values (tags !!str, !!int, !!float, !!bool, !!null, !!map, !!seq only)` });
    },
  });
  return problems;
}
