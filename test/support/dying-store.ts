/** A replica that dies mid-scan, for the resume tests: its store stops recording at a chosen checkpoint. */
import type { Store } from '../../src/store/store.js';

/**
 * Where the replica dies: at the `after`-th checkpoint, either before recording it (the chunk or
 * segment was read but is in neither the totals nor the key) or once it is recorded (the run is
 * then cancelled, as a SIGTERM would end it).
 */
export type Kill = { after: number; recorded: boolean };

/** `store` as a dying replica sees it; `cancel` ends the run once a recorded kill point is reached. */
export function dyingStore(store: Store, kill: Kill | undefined, cancel: () => void): Store {
  if (kill === undefined) return store;
  let saves = 0;
  return {
    ...store,
    async saveCheckpoint(...args: Parameters<Store['saveCheckpoint']>) {
      saves++;
      if (!kill.recorded && saves > kill.after) throw new Error('replica died before recording the checkpoint');
      const saved = await store.saveCheckpoint(...args);
      if (kill.recorded && saves >= kill.after) cancel();
      return saved;
    },
  };
}
