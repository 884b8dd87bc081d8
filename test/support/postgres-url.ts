/** Helpers for naming throwaway databases on the test server. */
/**
 * The migrated template each test file clones. Named per test run (set by global-setup, inherited
 * by the workers), so two runs on one server never collide.
 */
export const TEMPLATE_DB = process.env.PARITY_TEST_TEMPLATE ?? 'parity_test_template';

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
