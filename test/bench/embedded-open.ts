/**
 * Child process of the embedded bench entries: opens (and migrates) the embedded state store in the
 * data directory given, closes it, and prints what the open cost as JSON. Run as
 * `node --import tsx test/bench/embedded-open.ts DIR`; the template cache is $XDG_CACHE_HOME's.
 */
import { readFileSync } from 'node:fs';
import { openStore } from '../../src/store/store.js';

const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))![1]);
const dataDir = process.argv[2]!;
const cpuBefore = process.cpuUsage();
const started = performance.now();
const store = await openStore({ dataDir });
const openMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const rssMb = kb('VmRSS') / 1024;
await store.close();
process.stdout.write(`${JSON.stringify({ open_ms: openMs, cpu_ms: (cpu.user + cpu.system) / 1000, rss_mb: rssMb, hwm_mb: kb('VmHWM') / 1024 })}\n`);
