/**
 * Readiness, probed by the process on its own timer and kept as the last result. /readyz answers
 * from it, so an unauthenticated caller can never make parity open connections to its sources.
 * Probe failures keep only fault codes here; the driver's message (hosts, users) goes to the log.
 */
import type { Logger } from '../logging/logger.js';
import type { FaultInfo } from '../results/fault.js';
import { SourceQueryError, classifyError } from '../sources/errors.js';
import type { SourceRegistry } from '../sources/registry.js';
import type { Store } from '../store/store.js';
import { inspectSource } from '../sources/preflight.js';
import type { Clock, Timer } from '../runner/clock.js';
import type { Source } from '../sources/types.js';

/** A probe that neither answers nor fails (a black-holed host) must not hang the probe loop. */
export const PROBE_TIMEOUT_MS = 5_000;
/** How often a serving process probes its store and sources. */
export const PROBE_INTERVAL_MS = 15_000;

export interface ComponentHealth {
  status: 'ok' | 'error';
  code?: string;
  sqlstate?: string;
  /** Least-privilege warnings the source's role raises (a count; the text is in results and `validate --connect`). */
  privilege_warnings?: number;
}

/** One probe's result. */
export interface ReadinessSnapshot {
  checkedAt: Date;
  store: ComponentHealth;
  sources: Record<string, ComponentHealth>;
}

export interface Readiness {
  /** The last probe's result; undefined until the first probe finished. */
  current(): ReadinessSnapshot | undefined;
  /** Probes the store and every declared source now (concurrent calls share one probe). */
  probe(): Promise<ReadinessSnapshot>;
  /** Probes now and then every `intervalMs` until stop(). */
  start(intervalMs?: number): void;
  stop(): void;
}

class ProbeTimeout extends Error {
  override readonly name = 'ProbeTimeout';
}

async function probeOne(name: string, work: () => Promise<void>, logger: Logger | undefined): Promise<ComponentHealth> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work(),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new ProbeTimeout()), PROBE_TIMEOUT_MS); }),
    ]);
    return { status: 'ok' };
  } catch (error) {
    const fault: FaultInfo = error instanceof ProbeTimeout
      ? { code: 'timeout', message: `no answer within ${PROBE_TIMEOUT_MS} ms` }
      : error instanceof SourceQueryError ? error.fault : classifyError(error);
    logger?.warn({ component: name, code: fault.code, sqlstate: fault.sqlstate, reason: fault.message }, 'readiness probe failed');
    return { status: 'error', code: fault.code, ...(fault.sqlstate ? { sqlstate: fault.sqlstate } : {}) };
  } finally {
    clearTimeout(timer);
  }
}

/** Creates the readiness probe over the store and the current sources; nothing runs until probe() or start(). */
export function createReadiness(deps: { store: Pick<Store, 'ping'>; sources: () => SourceRegistry; clock: Clock; logger?: Logger | undefined }): Readiness {
  let last: ReadinessSnapshot | undefined;
  let inFlight: Promise<ReadinessSnapshot> | undefined;
  const warned = new Map<string, string>();
  const preflights = new WeakMap<Source, number>();
  let timer: Timer | undefined;

  const run = async (): Promise<ReadinessSnapshot> => {
    const registry = deps.sources();
    const names = registry.names();
    const [store, ...sources] = await Promise.all([
      probeOne('store', () => deps.store.ping(), deps.logger),
      ...names.map((name) => probeOne(`source ${name}`, async () => (await registry.get(name)).ping(), deps.logger)),
    ]);
    // The least-privilege preflight, as a count; it never makes a source unready. Asked once per
    // source (a reload makes new sources): a privilege scan every 15 s would be load on production,
    // and each run asks again for its own results anyway.
    await Promise.all(names.map(async (name, i) => {
      if (sources[i]!.status !== 'ok') return;
      const source = await registry.get(name);
      let warnings = preflights.get(source);
      if (warnings === undefined) await probeOne(`preflight ${name}`, async () => {
        const identity = await inspectSource(source);
        // Said once per source and again only when it changes: a probe every 15 s must not flood the log.
        const said = identity.privilege_warnings.join('\n');
        if (said !== '' && warned.get(name) !== said) deps.logger?.warn({ component: `source ${name}`, privilege_warnings: identity.privilege_warnings }, 'source role is not least-privilege');
        warned.set(name, said);
        warnings = identity.privilege_warnings.length;
        preflights.set(source, warnings);
      }, deps.logger);
      if (warnings !== undefined) sources[i] = { ...sources[i]!, privilege_warnings: warnings };
    }));
    last = { checkedAt: deps.clock.now(), store: store!, sources: Object.fromEntries(names.map((name, i) => [name, sources[i]!])) };
    return last;
  };
  const probe = () => {
    inFlight ??= run().finally(() => { inFlight = undefined; });
    return inFlight;
  };

  return {
    current: () => last,
    probe,
    start(intervalMs = PROBE_INTERVAL_MS) {
      if (timer) return;
      void probe();
      // The clock's repeating timers never keep the process alive.
      timer = deps.clock.every(intervalMs, () => void probe());
    },
    stop() {
      timer?.cancel();
      timer = undefined;
    },
  };
}
