/** The catalog's shapes: what check files declare once parsed (parse-file.ts) and cross-checked (build-catalog.ts). */
import path from 'node:path';
import { type CheckSpec } from './registry.js';
import { type MigrationSpec } from '../checkfile/migrations.js';
import { type RetentionSettings } from '../checkfile/retention.js';
import { type SourceSpec } from '../checkfile/sources.js';
import type { ResolvedTarget } from '../checkfile/target.js';
import type { Schedule } from '../checkfile/cron.js';
import { type Interpolated, type Substitution } from './interpolate.js';
import type { SideRead } from '../kinds/types.js';

export interface Located { file: string; line: number; column: number }

/**
 * What the file says where it read the environment, keyed by the path inside the entry
 * (`url`, `old.http`, `new.headers.authorization`): the form to show. `spec` holds the resolved
 * values, for execution only.
 */
export type Templates = Readonly<Record<string, string>>;

export interface LoadedCheck {
  spec: CheckSpec;
  templates?: Templates;
  /** Hash of what the check verifies; results from another hash never count towards a gate. */
  hash: string;
  at: Located;
  /** The parsed `schedule:` (UTC unless `time_zone:` says otherwise); undefined when unscheduled. */
  schedule?: Schedule | undefined;
}

/** A declared source; `identity` (embedded name or resolved target) is what check hashes cover. */
export interface LoadedSource { name: string; spec: SourceSpec; at: Located; identity: string | ResolvedTarget; templates?: Templates }
export interface LoadedMigration { spec: MigrationSpec; at: Located }

/** Everything declared across the check files. */
export interface Catalog {
  sources: Map<string, LoadedSource>;
  checks: Map<string, LoadedCheck>;
  migrations: Map<string, LoadedMigration>;
  files: string[];
  /** Every value taken from the environment: secrets, never shown (loadCatalog registers them for redaction). */
  substitutions: Substitution[];
  /** The `retention:` block (at most one across the files); absent → DEFAULT_RETENTION. */
  retention?: { settings: RetentionSettings; at: Located } | undefined;
}

/** A comparing check's two sides (CheckKind.sides), and where its `new:` is written (`path`: checks[i].new). */
export interface ComparedSides { old: SideRead; new: SideRead; at: Located; path: string }

/** One parsed file before cross-file validation. */
export interface ParsedFile {
  file: string;
  sources: LoadedSource[];
  checks: { spec: CheckSpec; at: Located; sourceRefs: { name: string; at: Located }[]; schedule?: Schedule | undefined; templates?: Templates; sides?: ComparedSides }[];
  migrations: { spec: MigrationSpec; at: Located; requireRefs: { id: string; at: Located }[] }[];
  interpolated: Interpolated[];
  retention?: { settings: RetentionSettings; at: Located } | undefined;
}
