/**
 * When each check definition was first declared, kept in the state store (schema.ts,
 * check_declarations): every replica's telemetry declares the definitions its catalog holds and
 * reads back the earliest time any replica did, so the "awaiting verification since" clock of an
 * unverified definition survives restarts and agrees across replicas.
 */
import { inArray, lt, sql } from 'drizzle-orm';
import type { StateDb } from './database.js';
import { checkDeclarations } from './schema.js';
import { databaseClock, type StoreClock } from './store-clock.js';

/** A check definition as a catalog declares it. */
export interface DeclaredDefinition { readonly checkId: string; readonly hash: string }

/** How often a still-declared definition's `seen_at` moves forward: a write per day, not per refresh. */
const SEEN_GRANULE = sql`interval '1 day'`;

/** Declaration queries over the drizzle state database; times come from the store's clock. */
export function checkDeclarationQueries(db: StateDb, clock: StoreClock = databaseClock) {
  return {
    /**
     * Records the definitions as declared now (a definition already recorded keeps its first time)
     * and answers when each was first declared, by check id.
     */
    async declareDefinitions(definitions: readonly DeclaredDefinition[]): Promise<Map<string, Date>> {
      const declared = new Map<string, Date>();
      if (definitions.length === 0) return declared;
      const rows = definitions.map((d) => ({ checkId: d.checkId, definitionHash: d.hash, declaredAt: clock(), seenAt: clock() }));
      await db.insert(checkDeclarations).values(rows).onConflictDoUpdate({
        target: [checkDeclarations.checkId, checkDeclarations.definitionHash],
        set: { seenAt: sql`excluded.seen_at` },
        setWhere: sql`${checkDeclarations.seenAt} < excluded.seen_at - ${SEEN_GRANULE}`,
      });
      const wanted = new Map(definitions.map((d) => [d.checkId, d.hash]));
      const found = await db.select({ checkId: checkDeclarations.checkId, hash: checkDeclarations.definitionHash, declaredAt: checkDeclarations.declaredAt })
        .from(checkDeclarations).where(inArray(checkDeclarations.checkId, [...wanted.keys()]));
      for (const row of found) if (wanted.get(row.checkId) === row.hash) declared.set(row.checkId, row.declaredAt);
      return declared;
    },

    /** Retention: drops declarations no replica declared since `before`; returns how many. */
    async pruneDeclarations(before: Date, limit: number): Promise<number> {
      const doomed = db.select({ checkId: checkDeclarations.checkId, hash: checkDeclarations.definitionHash }).from(checkDeclarations)
        .where(lt(checkDeclarations.seenAt, before)).limit(limit);
      const deleted = await db.delete(checkDeclarations)
        .where(sql`(${checkDeclarations.checkId}, ${checkDeclarations.definitionHash}) in (${doomed})`)
        .returning({ checkId: checkDeclarations.checkId });
      return deleted.length;
    },
  };
}
