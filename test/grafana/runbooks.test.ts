import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { alertRules, RUNBOOK_DOCUMENT, runbookUrl } from '../../grafana/src/alert-rules.js';
import { generatedFiles } from '../../grafana/src/build.js';
import { REPO_ROOT } from '../support/spawn-parity.js';

/** GitHub's anchor for a heading: lower case, spaces to "-", punctuation dropped. */
const anchorOf = (heading: string) => heading.trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');

describe('runbooks', () => {
  it('give every alert a runbook_url to its own section of docs/runbooks.md, and every section an alert', async () => {
    const text = await readFile(path.join(REPO_ROOT, RUNBOOK_DOCUMENT), 'utf8');
    const sections = [...text.matchAll(/^## (.+)$/gm)].map((m) => anchorOf(m[1]!));
    const urls = alertRules.map(runbookUrl);
    for (const url of urls) {
      const [doc, anchor] = url.split('#');
      expect(doc).toBe(RUNBOOK_DOCUMENT);
      expect(sections, url).toContain(anchor);
    }
    expect(sections.sort()).toEqual(urls.map((u) => u.split('#')[1]).sort());
  });

  it('carry the runbook_url on every rule of both generated rule files', () => {
    const files = generatedFiles();
    const prometheus = parse(files.get('alerts/parity-rules.yml')!) as { groups: { rules: { alert: string; annotations: Record<string, string> }[] }[] };
    const rules = prometheus.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => [r.alert, r.annotations.runbook_url])).toEqual(alertRules.map((r) => [r.name, runbookUrl(r)]));
    const grafana = parse(files.get('provisioning/alerting/parity-alerts.yml')!) as { groups: { rules: { title: string; annotations: Record<string, string> }[] }[] };
    const managed = grafana.groups.flatMap((g) => g.rules);
    expect(managed.map((r) => [r.title, r.annotations.runbook_url])).toEqual(alertRules.map((r) => [r.name, runbookUrl(r)]));
  });
});
