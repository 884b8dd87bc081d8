/** Parsed files → one catalog: names unique across files, references resolved, definitions hashed. */
import path from 'node:path';
import { type CheckSpec } from './registry.js';
import { canonicalJson, definitionHash } from '../checkfile/hash.js';
import { type SpecProblem } from '../checkfile/problems.js';
import { readIdentity } from '../checkfile/target.js';
import { PARITY_VERSION } from '../meta/version.js';
import type { Catalog, ComparedSides, LoadedSource, Located, ParsedFile } from './catalog.js';

/**
 * Cross-file validation: unique ids, declared sources, existing required checks. Pure but for the
 * version of parity, a constant of the installed code that every definition hash includes.
 */
export function buildCatalog(files: ParsedFile[], parityVersion: string = PARITY_VERSION): Catalog | SpecProblem[] {
  const problems: SpecProblem[] = [];
  const catalog: Catalog = {
    sources: new Map(), checks: new Map(), migrations: new Map(), files: files.map((f) => f.file),
    substitutions: files.flatMap((f) => f.interpolated.flatMap((i) => i.substitutions)),
  };
  const where = (l: Located) => `${l.file}:${l.line}:${l.column}`;

  for (const file of files) {
    for (const source of file.sources) {
      const existing = catalog.sources.get(source.name);
      if (existing) problems.push({ ...source.at, path: `sources.${source.name}`, message: `source "${source.name}" is already declared at ${where(existing.at)}` });
      else catalog.sources.set(source.name, source);
    }
  }
  const declared = () => [...catalog.sources.keys()].join(', ') || '(none)';
  for (const file of files) {
    for (const check of file.checks) {
      const id = check.spec.id;
      const existing = catalog.checks.get(id);
      if (existing) {
        problems.push({ ...check.at, path: 'id', message: `duplicate check id "${id}"; first declared at ${where(existing.at)}` });
        continue;
      }
      const identities: Record<string, unknown> = {};
      let ok = true;
      for (const ref of check.sourceRefs) {
        const source = catalog.sources.get(ref.name);
        if (!source) {
          problems.push({ ...ref.at, path: 'source', message: `check "${id}" reads source "${ref.name}", which is not declared; declared sources: ${declared()}` });
          ok = false;
        } else {
          identities[ref.name] = source.identity;
        }
      }
      if (!ok) continue;
      if (check.sides && readsTheSame(check.sides, catalog.sources)) {
        problems.push({ ...check.sides.at, path: check.sides.path, message: `old and new read the same rows and values${check.sides.old.source === check.sides.new.source ? '' : ` (sources "${check.sides.old.source}" and "${check.sides.new.source}" reach one target)`}: a check comparing something with itself can never fail; point new at the new shape` });
        continue;
      }
      catalog.checks.set(id, {
        spec: check.spec, hash: definitionHash(hashedPart(check.spec), identities, parityVersion), at: check.at, schedule: check.schedule, ...(check.templates ? { templates: check.templates } : {}),
      });
    }
  }
  for (const file of files) {
    for (const migration of file.migrations) {
      const id = migration.spec.id;
      const existing = catalog.migrations.get(id);
      if (existing) {
        problems.push({ ...migration.at, path: 'id', message: `duplicate migration id "${id}"; first declared at ${where(existing.at)}` });
        continue;
      }
      const phases = new Set<string>();
      for (const phase of migration.spec.phases) {
        if (phases.has(phase.name)) problems.push({ ...migration.at, path: 'phases', message: `phase "${phase.name}" is declared twice in migration "${id}"` });
        phases.add(phase.name);
      }
      for (const ref of migration.requireRefs) {
        if (!catalog.checks.has(ref.id) && !files.some((f) => f.checks.some((c) => c.spec.id === ref.id))) {
          problems.push({ ...ref.at, path: 'requires', message: `migration "${id}" requires check "${ref.id}", which is not declared` });
        }
      }
      catalog.migrations.set(id, migration);
    }
  }
  for (const file of files) {
    if (!file.retention) continue;
    if (catalog.retention) problems.push({ ...file.retention.at, path: 'retention', message: `retention is already declared at ${where(catalog.retention.at)}; declare it in one file` });
    else catalog.retention = file.retention;
  }
  return problems.length > 0 ? problems : catalog;
}

/**
 * Whether a check's two sides read the same thing: the same target (a source's resolved URL, so
 * two names for one URL are one source) and the same SQL by shape. Only what the file says can be
 * judged here; two URLs reaching one server are told apart only by the server (see docs/checks.md).
 */
function readsTheSame(sides: ComparedSides, sources: ReadonlyMap<string, LoadedSource>): boolean {
  const target = (source: string | undefined) => (source === undefined ? null : readIdentity(sources.get(source)?.identity) ?? { undeclared: source });
  const side = (read: ComparedSides['old']) => canonicalJson({ target: target(read.source), table: read.table ?? null, reads: read.reads });
  return side(sides.old) === side(sides.new);
}

/** Metadata that does not change what a check verifies stays out of its definition hash. */
function hashedPart(spec: CheckSpec): unknown {
  const { description: _d, tags: _t, schedule: _s, time_zone: _z, timeout: _o, ...rest } = spec;
  return rest;
}
