/** What the demo prints: the defects it planted and the URLs and commands to try. Pure text. */
import { DEFECTS } from './defects.js';
import { HIDDEN_READERS } from './hidden-readers.js';

/** The deliberate defects as an indented list (id, kind, what happened). */
export function formatDefects(): string {
  const width = Math.max(...DEFECTS.map((d) => String(d.id).length));
  return DEFECTS.map((d) => `  id ${String(d.id).padStart(width)}  ${d.kind.padEnd(18)} ${d.description}`).join('\n');
}

/** The hidden readers of the old shape as an indented list (object, what it reads, what it is). */
export function formatHiddenReaders(): string {
  const width = Math.max(...HIDDEN_READERS.map((r) => r.object.length));
  return HIDDEN_READERS.map((r) => `  ${r.object.padEnd(width)}  reads ${r.target}: ${r.description}`).join('\n');
}

/** URLs to open and the curl line that shows which checks fail and the offending keys. */
export function formatDemoGuide(url: string, repaired: boolean): string {
  const lines = [
    `parity demo is serving at ${url}`,
    '',
    `  status page     ${url}/`,
    `  checks          ${url}/v1/checks`,
    `  recent runs     ${url}/v1/runs`,
    `  migration gate  ${url}/v1/migrations/users-split-name/gates/switch-reads?respond=body`,
    `  OpenAPI         ${url}/openapi.json`,
    `  health          ${url}/healthz   ${url}/readyz`,
    '',
    repaired ? 'Run every check (all should pass now):' : 'Run every check and see which fail, with the offending keys:',
    `  curl -X POST '${url}/v1/runs?wait=true' -H 'content-type: application/json' -d '{"all":true}'`,
    '',
    // Repaired, the gate must re-run the checks: the results on record still show the defects.
    repaired ? 'Re-run the required checks and ask whether reads may switch to first_name / last_name (exit 0: allowed):' : 'May reads switch to first_name / last_name? (denied while the defects are there):',
    `  node bin/parity.js gate users-split-name switch-reads${repaired ? ' --refresh' : ''} --server ${url}`,
    '',
    repaired
      ? 'May full_name and users_legacy be dropped? (allowed: the hidden readers are gone; judged on catalog evidence only, as the check says):'
      : 'May full_name and users_legacy be dropped? (denied, naming the hidden readers that still use them):',
    `  node bin/parity.js gate users-split-name contract --refresh --server ${url}`,
    '',
  ];
  if (!repaired) {
    lines.push(
      'Then repair exactly the planted defects, remove the hidden readers, and watch the gates open:',
      '  Ctrl-C here, then: npm start -- --repair   (or: node bin/parity.js demo --repair)',
      '',
    );
  }
  lines.push('Ctrl-C stops the server (running checks finish first).');
  return `${lines.join('\n')}\n`;
}
