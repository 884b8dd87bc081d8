/**
 * Gathers the uses of the shape that Postgres records no direct dependency for: dependents of
 * what goes with the shape (owned sequences, the row type and types over it), trigger arguments,
 * foreign tables and dblink text. Each is judged in its own module; this is the I/O edge.
 */
import type { FaultInfo } from '../../results/fault.js';
import type { ExecutionContext } from '../types.js';
import { dblinkUses, planDblinkCallers, type DblinkCallerRow } from './dblink-calls.js';
import { foreignTableUses, planForeignTables, type ForeignTableRow } from './foreign-tables.js';
import type { FoundShape } from './gather-catalog.js';
import { planCarriedDependencies } from './plan-carried.js';
import type { UnusedSpec } from './spec.js';
import { planTriggerArguments, triggerArgumentUses, type TriggerArgumentsRow } from './trigger-arguments.js';
import type { Dependency } from './verdict.js';

/** Uses beyond `known` (the directly recorded dependencies, not repeated), and the callers whose SQL text cannot be judged. */
export async function findUnrecordedUses(spec: UnusedSpec, ctx: ExecutionContext, shape: FoundShape, known: readonly Dependency[]): Promise<{ dependencies: Dependency[]; gaps: FaultInfo[] }> {
  const carried = await ctx.query<{ target: string; kind: string; object: string }>(spec.source, planCarriedDependencies(shape.catalog));
  const triggers = triggerArgumentUses(await ctx.query<TriggerArgumentsRow>(spec.source, planTriggerArguments()), shape.targets, shape.catalog);
  const foreign = foreignTableUses(await ctx.query<ForeignTableRow>(spec.source, planForeignTables()), shape.targets);
  const dblink = dblinkUses(await ctx.query<DblinkCallerRow>(spec.source, planDblinkCallers()), shape.targets);
  const dependencies: Dependency[] = [];
  for (const d of [...carried, ...triggers, ...foreign, ...dblink.uses]) {
    const same = (o: Dependency) => o.target === d.target && o.kind === d.kind && o.object === d.object;
    if (!known.some(same) && !dependencies.some(same)) dependencies.push({ target: d.target, kind: d.kind, object: d.object });
  }
  return { dependencies, gaps: dblink.gaps };
}
