/** Helpers for naming throwaway databases on the test server. */
export const TEMPLATE_DB = 'parity_test_template';

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
