/**
 * A source registry that lets a test look inside each read: before every statement, `before` is
 * called with the read's open session (to ask it for its settings or a plan), the statement and
 * the read's options; then the statement runs as it would have.
 */
import type { SourceRegistry } from '../../src/sources/registry.js';
import type { ReadOptions, ReadSession } from '../../src/sources/types.js';
import type { CompiledQuery } from '../../src/sql/build.js';

export type BeforeStatement = (session: ReadSession, statement: CompiledQuery, options: ReadOptions) => Promise<void>;

export function watchedSources(sources: SourceRegistry, before: BeforeStatement): SourceRegistry {
  return {
    ...sources,
    get: async (name) => {
      const source = await sources.get(name);
      return {
        ...source,
        readOnly: (work, options) => source.readOnly((session) => work({
          query: async (statement) => {
            await before(session, statement, options);
            return session.query(statement);
          },
          ...(session.each ? {
            each: async (statement: CompiledQuery, onRow: (row: Record<string, unknown>) => void) => {
              await before(session, statement, options);
              return session.each!(statement, onRow);
            },
          } : {}),
          ...(session.describe ? {
            describe: async (statement: CompiledQuery) => {
              await before(session, statement, options);
              return session.describe!(statement);
            },
          } : {}),
        }), options),
      };
    },
  };
}
