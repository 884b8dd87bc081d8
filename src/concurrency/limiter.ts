/** A counting semaphore: at most `size` holders at once, the rest wait in order. */
export interface Limiter {
  run<T>(work: () => Promise<T>): Promise<T>;
  readonly pending: number;
}

export function createLimiter(size: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    get pending() {
      return waiting.length;
    },
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (active >= size) await new Promise<void>((resolve) => waiting.push(resolve));
      active++;
      try {
        return await work();
      } finally {
        active--;
        waiting.shift()?.();
      }
    },
  };
}
