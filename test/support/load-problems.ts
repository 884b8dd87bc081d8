/**
 * The load problems of check-file entries (`file:line:column: message`), as a loader test reads
 * them: `checks` is the YAML under `checks:` in a file whose one source, `app`, is a URL nothing
 * connects to (what is judged at load needs no database).
 */
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';

export function problemsOf(checks: string): string[] {
  const parsed = parseCheckFile(`sources:\n  app: { url: "postgres://parity@db.internal/app" }\nchecks:\n${checks}`, 'x.yaml', {}, { osUser: 'osuser' });
  if (Array.isArray(parsed)) return parsed.map(formatProblem);
  const catalog = buildCatalog([parsed]);
  return Array.isArray(catalog) ? catalog.map(formatProblem) : [];
}
