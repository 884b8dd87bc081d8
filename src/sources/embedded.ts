/**
 * Verified databases embedded in the process (PGlite under the data directory, `embedded:NAME`).
 * PGlite runs single-threaded WASM: statement_timeout is not enforced there, which is documented.
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { EmbeddedIdentity } from '../embedded/identity.js';
import { SourceQueryError, classifyError } from './errors.js';
import { Fault } from '../results/fault.js';
import { EMBEDDED_SERIALIZERS } from './parameter-types.js';
import { PINNED_SETTINGS, type ReadOptions, type ReadSession, type Source } from './types.js';
import { guardingImplicitCode } from './implicit-code.js';
import { CATALOG_FIRST, DEFAULT_ABBREVIATIONS, REFUSE_STAND_INS, fixedStatementSettings, pinningSql } from './pinning.js';

/** Wraps an open PGlite database as a read-only source. */
export function createEmbeddedSource(name: string, db: PGlite, options: { description: string; maxConnections: number; lockTimeoutMs: number; identity: EmbeddedIdentity; release: () => Promise<void> }): Source {
  return {
    name,
    driver: 'embedded',
    embedded: options.identity,
    description: options.description,
    maxConnections: options.maxConnections,
    lockTimeoutMs: options.lockTimeoutMs,
    async readOnly<T>(work: (session: ReadSession) => Promise<T>, read: ReadOptions): Promise<T> {
      let lastSql = 'begin read only';
      // An error thrown by a row consumer (`each`) is the caller's own: rethrown as it is, not as a fault.
      let consumerFailure: { error: unknown } | undefined;
      try {
        return await db.transaction(async (tx: Transaction) => {
          lastSql = read.isolation === 'repeatable read' ? 'set transaction isolation level repeatable read read only' : 'set transaction read only';
          await tx.query(lastSql);
          const settings: Record<string, string> = { ...PINNED_SETTINGS };
          if (read.maxParallelWorkers !== undefined) settings.max_parallel_workers_per_gather = String(read.maxParallelWorkers);
          if (read.workMemKb !== undefined) settings.work_mem = `${Math.round(read.workMemKb)}kB`;
          if (read.parallelTupleCost !== undefined) settings.parallel_tuple_cost = String(read.parallelTupleCost);
          const names = Object.keys(settings);
          // Outside a run every read looks for stand-in code; inside one, reads look until one has.
          const refuseStandIns = read.server?.needsStandInGuard() ?? true;
          lastSql = `select ${names.map((_, i) => `pg_catalog.set_config($${i * 2 + 1}, $${i * 2 + 2}, true)`).join(', ')}, ${CATALOG_FIRST}, ${DEFAULT_ABBREVIATIONS}${refuseStandIns ? `, ${REFUSE_STAND_INS}` : ''}`;
          await tx.query(lastSql, names.flatMap((n) => [n, settings[n]!]));
          if (refuseStandIns) read.server?.standInGuardPassed();
          return work(guardingImplicitCode({
            async query(statement) {
              read.signal?.throwIfAborted();
              lastSql = statement.text;
              const result = await tx.query<Record<string, unknown>>(statement.text, statement.params as unknown[], { serializers: EMBEDDED_SERIALIZERS });
              return result.rows;
            },
            // PGlite returns every row at once anyway (embedded sources are small); hand them over one by one.
            async each(statement, onRow) {
              read.signal?.throwIfAborted();
              lastSql = statement.text;
              const { rows } = await tx.query<Record<string, unknown>>(statement.text, statement.params as unknown[], { serializers: EMBEDDED_SERIALIZERS });
              for (const row of rows) {
                read.signal?.throwIfAborted();
                try {
                  onRow(row);
                } catch (error) {
                  consumerFailure = { error };
                  throw error;
                }
              }
              return rows.length;
            },
            // Run, not described (see ReadSession.describe): the fields come with any result, rows or none.
            async describe(statement) {
              read.signal?.throwIfAborted();
              lastSql = statement.text;
              const { fields } = await tx.query<Record<string, unknown>>(statement.text, statement.params as unknown[], { serializers: EMBEDDED_SERIALIZERS });
              return fields.map((field) => ({ name: field.name, type: field.dataTypeID }));
            },
          }, name, read.server));
        });
      } catch (error) {
        if (consumerFailure) throw consumerFailure.error;
        // A fault raised inside the work (its own "could not verify") keeps its code, as on postgres.ts.
        if (error instanceof Fault) throw error;
        throw new SourceQueryError(name, lastSql, classifyError(error, read.signal?.aborted ?? false), { cause: error });
      }
    },
    async readFixed(text, read) {
      read.signal?.throwIfAborted();
      const settings = fixedStatementSettings(read.statementTimeoutMs, options.lockTimeoutMs);
      try {
        // exec sends one simple Query: the statements share one implicit transaction.
        const results = await db.exec(`${pinningSql(settings)};\n${text}`);
        return results.at(-1)!.rows as Record<string, unknown>[];
      } catch (error) {
        throw new SourceQueryError(name, text, classifyError(error, read.signal?.aborted ?? false), { cause: error });
      }
    },
    async ping() {
      await db.query('select 1');
    },
    close: options.release,
  };
}
