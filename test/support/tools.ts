/**
 * External tools some tests drive (promtool, Chromium). On a developer machine without them those
 * tests are not registered, with a warning saying so; with PARITY_REQUIRE_TOOLS=1 (set by .ci/run,
 * which installs them) a missing tool fails the run instead, so CI can never pass without them.
 */
export function toolAvailable(name: string, found: boolean, installHint: string): boolean {
  if (found) return true;
  if (process.env.PARITY_REQUIRE_TOOLS === '1') throw new Error(`${name} is required (PARITY_REQUIRE_TOOLS=1) but was not found; ${installHint}`);
  console.warn(`${name} not found; its tests are not registered in this run. ${installHint}`);
  return false;
}
