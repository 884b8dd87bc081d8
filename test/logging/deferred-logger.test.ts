/**
 * The deferred logger of one-shot commands: the same lines as createLogger for every enabled
 * level (secrets scrubbed, child bindings kept), nothing for the others, and pino not even
 * loaded until a line is written.
 */
import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { createDeferredLogger, createLogger } from '../../src/logging/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

it('writes what createLogger writes at enabled levels, and nothing below the level', () => {
  const deferred = capture();
  const eager = capture();
  for (const [make, out] of [[createDeferredLogger, deferred], [createLogger, eager]] as const) {
    const logger = make({ level: 'warn', destination: out.destination });
    logger.info('not written');
    logger.debug({ check_id: 'a' }, 'not written either');
    logger.warn({ url: 'postgres://u:hunter2@db/x' }, 'reading postgres://u:hunter2@db/x failed');
    const child = logger.child({ run_id: 'r1' });
    child.info('child below the level');
    child.error({ check_id: 'c1' }, 'child line');
    expect(logger.isLevelEnabled('warn')).toBe(true);
    expect(logger.isLevelEnabled('info')).toBe(false);
    expect(child.isLevelEnabled('error')).toBe(true);
  }
  const comparable = (lines: Record<string, unknown>[]) => lines.map(({ time: _time, pid: _pid, hostname: _host, ...rest }) => rest);
  expect(comparable(deferred.lines)).toEqual(comparable(eager.lines));
  expect(deferred.lines).toHaveLength(2);
  expect(deferred.lines[0]).toMatchObject({ level: 'warn', name: 'parity' });
  expect(JSON.stringify(deferred.lines)).not.toContain('hunter2');
  expect(deferred.lines[1]).toMatchObject({ level: 'error', run_id: 'r1', check_id: 'c1', msg: 'child line' });
});

it('refuses an unknown level at once, as createLogger does', () => {
  expect(() => createLogger({ level: 'loud' })).toThrow();
  expect(() => createDeferredLogger({ level: 'loud' })).toThrow();
});

it('does not load pino until a line at an enabled level is written', () => {
  const logger = fileURLToPath(new URL('../../src/logging/logger.ts', import.meta.url));
  const script = `
    import { createRequire } from 'node:module';
    const { createDeferredLogger } = await import(${JSON.stringify(logger)});
    const cache = createRequire(import.meta.url).cache;
    const pinoLoaded = () => Object.keys(cache).some((k) => k.includes('/node_modules/pino/'));
    const log = createDeferredLogger({ level: 'warn', destination: process.stderr });
    log.info('x'); log.child({ a: 1 }).debug('y');
    const before = pinoLoaded();
    log.warn('now');
    console.log(JSON.stringify({ before, after: pinoLoaded() }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, VITEST: '' } });
  expect(JSON.parse(out.trim())).toEqual({ before: false, after: true });
});
