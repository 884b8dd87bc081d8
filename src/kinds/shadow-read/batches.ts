/**
 * Reading a shadow read's keys in batches: split, read a bounded number of batches ahead, take
 * results in order, and never let a read outlive the check.
 */
/** Splits items into consecutive runs of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Batches read at once per check. While one batch is parsed and compared, the next ones are
 * already being read, so the server is not idle while JavaScript works, nor JavaScript while the
 * server does. Memory stays bounded: at most this many batches in flight, plus the one compared.
 */
export const BATCHES_IN_FLIGHT = 2;

/** Reads each item with at most `depth` reads in flight and yields the results in item order. */
export async function* readInOrder<T, R>(items: readonly T[], depth: number, read: (item: T) => Promise<R>): AsyncGenerator<[T, R]> {
  const pending: Promise<R>[] = [];
  let next = 0;
  try {
    for (const item of items) {
      while (next < items.length && pending.length < depth) {
        const reading = read(items[next++]!);
        // Awaited in order below; until then, a failure must not count as an unhandled rejection.
        reading.catch(() => {});
        pending.push(reading);
      }
      yield [item, await pending.shift()!];
    }
  } finally {
    // On a failure (or an abandoned loop), no read outlives the check.
    await Promise.allSettled(pending);
  }
}

/** Both reads' results; when one fails, its error once the other has settled too (no read outlives a check). */
export async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}

