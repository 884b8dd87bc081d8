import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { CheckFileError } from '../../src/checkfile/problems.js';

const FILE = `sources:
  app: { url: "embedded:app" }
checks:
  - id: fine
    kind: sql_assert
    source: app
    query: select id from orders where total < 0
    schedule: "*/5 * * * *"
    time_zone: Europe/Oslo
  - id: bad-cron
    kind: sql_assert
    source: app
    query: select id from orders where total < 0
    schedule: "0 25 * * *"
  - id: bad-zone
    kind: sql_assert
    source: app
    query: select id from orders where total < 0
    schedule: "@daily"
    time_zone: Atlantis/Capital
  - id: zone-without-schedule
    kind: sql_assert
    source: app
    query: select id from orders where total < 0
    time_zone: UTC
`;

describe('schedule validation', () => {
  it('reports each bad schedule or time zone at its file:line:column while parsing, naming the key', () => {
    const problems = parseCheckFile(FILE, 'checks/app.yaml', {});
    expect(problems).toEqual([
      { file: 'checks/app.yaml', line: 14, column: 15, path: 'checks[1].schedule', message: expect.stringMatching(/^"0 25 \* \* \*" is not a valid cron expression: Invalid value for hour: 25/) },
      { file: 'checks/app.yaml', line: 20, column: 16, path: 'checks[2].time_zone', message: expect.stringMatching(/^time zone "Atlantis\/Capital" is not known/) },
      { file: 'checks/app.yaml', line: 25, column: 16, path: 'checks[3].time_zone', message: 'time_zone only applies to a schedule; add schedule: or remove time_zone:' },
    ]);
  });

  it('parses each valid schedule once, in UTC unless a zone is given', () => {
    const parsed = parseCheckFile(FILE.slice(0, FILE.indexOf('  - id: bad-cron')), 'checks/app.yaml', {});
    if (Array.isArray(parsed)) throw new Error(JSON.stringify(parsed));
    expect(parsed.checks[0]?.schedule).toMatchObject({ expression: '*/5 * * * *', timeZone: 'Europe/Oslo' });
  });

  it('rejects a loaded catalog with CheckFileError listing every problem', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'parity-sched-'));
    try {
      await writeFile(path.join(dir, 'app.yaml'), FILE);
      const error = await loadCatalog(dir, {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckFileError);
      expect((error as CheckFileError).message).toMatch(/3 problems in check files:\n.*app\.yaml:14:15: checks\[1\]\.schedule: "0 25/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
