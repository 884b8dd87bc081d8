/**
 * Polls `probe` until it answers something truthy, which is returned; fails after `timeoutMs` naming
 * what was awaited. `ignoreErrors`: a probe that throws (a server still starting or just killed)
 * counts as "not yet".
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 30_000, options: { everyMs?: number; ignoreErrors?: boolean } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = options.ignoreErrors ? await probe().catch(() => undefined) : await probe();
    if (answer) return answer;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 100));
  }
}
