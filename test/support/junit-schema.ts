/**
 * Checks a JUnit XML report against the shape of the common JUnit schema (Jenkins' junit-10.xsd,
 * which GitHub, GitLab and Azure test reporters accept): element nesting, required and allowed
 * attributes, numeric attributes, and counts that agree with the test cases. Returns the problems
 * (empty when valid) and the parsed cases.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const ALLOWED: Record<string, { required: string[]; optional: string[]; children: string[] }> = {
  testsuites: { required: [], optional: ['name', 'time', 'tests', 'failures', 'errors', 'disabled'], children: ['testsuite'] },
  testsuite: {
    required: ['name', 'tests'],
    optional: ['failures', 'errors', 'time', 'disabled', 'skipped', 'timestamp', 'hostname', 'id', 'package', 'file', 'log', 'url', 'version'],
    children: ['properties', 'testcase', 'system-out', 'system-err'],
  },
  properties: { required: [], optional: [], children: ['property'] },
  property: { required: ['name', 'value'], optional: [], children: [] },
  testcase: { required: ['name'], optional: ['assertions', 'time', 'classname', 'status', 'file', 'line', 'log', 'group', 'url'], children: ['skipped', 'error', 'failure', 'system-out', 'system-err'] },
  failure: { required: [], optional: ['message', 'type'], children: [] },
  error: { required: [], optional: ['message', 'type'], children: [] },
  skipped: { required: [], optional: ['message'], children: [] },
  'system-out': { required: [], optional: [], children: [] },
  'system-err': { required: [], optional: [], children: [] },
};
const INTEGER = new Set(['tests', 'failures', 'errors', 'disabled', 'skipped', 'assertions']);
const DECIMAL = new Set(['time']);

export interface JunitCase { name: string; classname?: string; outcome: 'pass' | 'failure' | 'error'; message?: string; text?: string }
export interface JunitReport { problems: string[]; suites: { name: string; cases: JunitCase[]; counts: Record<string, number> }[] }

type Node = Record<string, unknown>;

/** Validates the XML text; never throws. */
export function checkJunit(xml: string): JunitReport {
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) return { problems: [`not well-formed XML: ${wellFormed.err.msg} at line ${wellFormed.err.line}`], suites: [] };
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', preserveOrder: true, parseAttributeValue: false, trimValues: false, processEntities: true, htmlEntities: true });
  const doc = parser.parse(xml) as Node[];
  const problems: string[] = [];
  const suites: JunitReport['suites'] = [];

  const tagOf = (node: Node) => Object.keys(node).find((k) => k !== ':@')!;
  const attrsOf = (node: Node) => Object.fromEntries(Object.entries((node[':@'] ?? {}) as Record<string, string>).map(([k, v]) => [k.slice(1), v]));
  const textOf = (node: Node) => ((node[tagOf(node)] as Node[]) ?? []).map((c) => ('#text' in c ? String(c['#text']) : '')).join('');

  function visit(node: Node, path: string): void {
    const tag = tagOf(node);
    if (tag === '#text') {
      if (String(node['#text']).trim() !== '' && !['failure', 'error', 'skipped', 'system-out', 'system-err'].some((t) => path.endsWith(`/${t}`))) problems.push(`${path}: unexpected text`);
      return;
    }
    const rule = ALLOWED[tag];
    const here = `${path}/${tag}`;
    if (!rule) { problems.push(`${here}: unknown element`); return; }
    const attrs = attrsOf(node);
    for (const name of rule.required) if (!(name in attrs)) problems.push(`${here}: missing attribute ${name}`);
    for (const [name, value] of Object.entries(attrs)) {
      if (![...rule.required, ...rule.optional].includes(name)) problems.push(`${here}: attribute ${name} is not in the schema`);
      if (INTEGER.has(name) && !/^\d+$/.test(value)) problems.push(`${here}: ${name}="${value}" is not an integer`);
      if (DECIMAL.has(name) && !/^\d+(\.\d+)?$/.test(value)) problems.push(`${here}: ${name}="${value}" is not a decimal`);
    }
    for (const child of (node[tag] as Node[]) ?? []) {
      const childTag = tagOf(child);
      if (childTag !== '#text' && !rule.children.includes(childTag)) problems.push(`${here}: <${childTag}> may not appear here`);
      visit(child, here);
    }
  }

  const roots = doc.filter((n) => tagOf(n) !== '?xml');
  if (roots.length !== 1 || tagOf(roots[0]!) !== 'testsuites') problems.push('the root element must be one <testsuites>');
  for (const root of roots) visit(root, '');

  for (const suite of ((roots[0]?.testsuites as Node[]) ?? []).filter((n) => tagOf(n) === 'testsuite')) {
    const cases: JunitCase[] = [];
    for (const tc of ((suite.testsuite as Node[]) ?? []).filter((n) => tagOf(n) === 'testcase')) {
      const attrs = attrsOf(tc);
      const verdicts = ((tc.testcase as Node[]) ?? []).filter((n) => ['failure', 'error'].includes(tagOf(n)));
      const first = verdicts[0];
      cases.push({
        name: attrs.name!, classname: attrs.classname,
        outcome: first ? (tagOf(first) as 'failure' | 'error') : 'pass',
        ...(first ? { message: attrsOf(first).message, text: textOf(first) } : {}),
      });
    }
    const a = attrsOf(suite);
    const counts = { tests: Number(a.tests), failures: Number(a.failures ?? 0), errors: Number(a.errors ?? 0) };
    if (counts.tests !== cases.length) problems.push(`testsuite ${a.name}: tests="${a.tests}" but ${cases.length} test cases`);
    if (counts.failures !== cases.filter((c) => c.outcome === 'failure').length) problems.push(`testsuite ${a.name}: failures="${a.failures}" disagrees with its cases`);
    if (counts.errors !== cases.filter((c) => c.outcome === 'error').length) problems.push(`testsuite ${a.name}: errors="${a.errors}" disagrees with its cases`);
    suites.push({ name: a.name!, cases, counts });
  }
  return { problems, suites };
}
