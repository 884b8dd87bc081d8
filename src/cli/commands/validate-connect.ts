/** `parity validate --connect`: each source's identity and least-privilege preflight, asked of the server itself. */
import type { Catalog } from '../../catalog/catalog.js';
import { describeUrl } from '../../checkfile/sources.js';
import type { ServerIdentity } from '../../results/server-identity.js';
import { inspectSource } from '../../sources/preflight.js';
import { createSourceRegistry } from '../../sources/registry.js';
import { faultOf } from '../../runner/execute-check.js';
import type { FaultInfo } from '../../results/fault.js';

/** What one source said, or why it could not be asked. */
export interface SourceReport {
  name: string;
  url: string;
  require_least_privilege: boolean;
  identity?: ServerIdentity;
  error?: FaultInfo;
}

/** Connects to every declared source (read-only) and asks who it is; never throws for a source's fault. */
export async function inspectSources(catalog: Catalog, dataDir: string): Promise<SourceReport[]> {
  const registry = createSourceRegistry(catalog.sources, { dataDir });
  try {
    return await Promise.all([...catalog.sources.values()].map(async ({ name, spec }): Promise<SourceReport> => {
      const base = { name, url: describeUrl(spec.url), require_least_privilege: spec.require_least_privilege };
      try {
        return { ...base, identity: await inspectSource(await registry.get(name)) };
      } catch (error) {
        return { ...base, error: faultOf(error, false) };
      }
    }));
  } finally {
    await registry.closeAll();
  }
}

/** Lines a person reads: one per source, then its warnings. */
export function formatSourceReports(reports: SourceReport[]): string {
  return reports.map((r) => {
    if (r.error) return `source ${r.name} (${r.url}): could not connect: ${r.error.code}: ${r.error.message}\n`;
    const s = r.identity!;
    const where = s.address ? `${s.address}:${s.port}` : 'local';
    const head = `source ${r.name}: ${s.user}@${where}/${s.database}, PostgreSQL ${s.version_num}${s.in_recovery ? ' (standby)' : ''}, system ${s.system_identifier ?? `unknown (${s.system_identifier_unavailable})`}\n`;
    const level = r.require_least_privilege ? 'error' : 'warning';
    return head + s.privilege_warnings.map((w) => `  ${level}: ${w}\n`).join('');
  }).join('');
}

/** Exit status for the reports: unreachable sources, or warnings on a source that requires least privilege, fail. */
export function reportsFailed(reports: SourceReport[]): boolean {
  return reports.some((r) => r.error !== undefined || (r.require_least_privilege && (r.identity?.privilege_warnings.length ?? 0) > 0));
}
