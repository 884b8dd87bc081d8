/**
 * A test run killed mid-file leaves its scratch clusters running; the next run's global setup
 * stops them. Clusters of a run still alive (another checkout's tests) must survive the sweep.
 */
import { spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createScratchCluster, sweepScratchClusters } from './scratch-cluster.js';

/** The url's port → the cluster directory: its socket directory is named in the server's settings. */
async function directoryOf(cluster: { exec(sql: string): Promise<Record<string, unknown>[]> }): Promise<string> {
  const [row] = await cluster.exec('show unix_socket_directories');
  return String(row!['unix_socket_directories']);
}

describe('sweeping scratch clusters', () => {
  it('stops and removes a cluster whose test run is gone, and leaves a live run\'s alone', async () => {
    const dead = spawnSync('true').pid!;
    const leftover = await createScratchCluster();
    const live = await createScratchCluster();
    try {
      const leftoverDir = await directoryOf(leftover);
      const liveDir = await directoryOf(live);
      await writeFile(path.join(leftoverDir, 'test-run.pid'), String(dead));
      expect(await readFile(path.join(liveDir, 'test-run.pid'), 'utf8')).toBe(process.env.PARITY_TEST_RUN_PID ?? String(process.pid));

      const swept = await sweepScratchClusters();

      // Leftovers of other killed runs may go too; this run's live cluster never does.
      expect(swept).toContain(leftoverDir);
      expect(swept).not.toContain(liveDir);
      await expect(stat(leftoverDir)).rejects.toThrow();
      await expect(leftover.exec('select 1')).rejects.toThrow();
      expect(await live.exec('select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await leftover.destroy();
      await live.destroy();
    }
  }, 120_000);
});
