/**
 * A shadow_read HTTP path's header values may read `${NAME}` from the environment, and the resolved
 * value stays out of the definition hash so that rotating a token does not invalidate passes. For
 * a header that is not a credential that was a hole: `x-read-from: ${READ_FROM}` chose the backend
 * read, and a pass recorded while it named the old backend counted, under the same hash, for a gate
 * asked after it was switched to the new one. Such a reference is now a load error at the header;
 * credential-named headers keep it.
 */
import { expect, it } from 'vitest';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { formatProblem } from '../../src/checkfile/problems.js';

const file = (headers: string) => `sources:
  app: { url: "postgres://u@h/db" }
checks:
  - id: users-read
    kind: shadow_read
    key: [id]
    sample: { size: 100, from: { source: app, table: users, side: old } }
    old: { source: app, query: "select id, email from users where id = any($keys)" }
    new:
      http: "https://users.internal/v2/users/{id}"
      headers: ${headers}
    max_mismatch_rate: 0.01
    confidence: 0.95
`;

function problemsOf(headers: string): string[] {
  const parsed = parseCheckFile(file(headers), 'read.yaml', {});
  return Array.isArray(parsed) ? parsed.map(formatProblem) : [];
}

it.each([
  '{ x-read-from: "${READ_FROM}" }',
  '{ x-tenant: "acme-${ENVIRONMENT}" }',
  '{ accept-version: "${API_VERSION:-2}" }',
  '{ X-Backend: "${BACKEND}" }',
])('refuses an environment value in a header that is no credential: %s', (headers) => {
  const problems = problemsOf(headers);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^read\.yaml:\d+:\d+: checks\[0\]\.new\.headers\.[A-Za-z-]+: \$\{NAME\} is read from the environment only in headers that carry credentials/);
});

it.each([
  '{ authorization: "Bearer ${SVC_TOKEN}" }',
  '{ x-api-key: "${API_KEY}" }',
  '{ cookie: "session=${SESSION}" }',
  '{ x-read-from: "v2", authorization: "Basic ${CREDENTIALS}" }',
])('keeps environment values in credential headers, and literal values anywhere: %s', (headers) => {
  expect(problemsOf(headers)).toEqual([]);
});

it('a literal header value is part of the definition hash: switching the read path is a new definition', () => {
  const hashOf = (value: string) => {
    const parsed = parseCheckFile(file(`{ x-read-from: "${value}" }`), 'read.yaml', {});
    if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
    const catalog = buildCatalog([parsed]);
    if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
    return catalog.checks.get('users-read')!.hash;
  };
  expect(hashOf('legacy')).not.toBe(hashOf('v2'));
});
