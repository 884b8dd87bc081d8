/**
 * parity's postgres.js carries the nextWrite guard (porsager/postgres#1208) without patching
 * node_modules. When a release fixes it upstream, "the installed driver crashes" below fails:
 * that is the signal to delete src/drivers/postgres-js.ts (docs/decisions.md says how).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { guardNextWrite, postgres, postgresGuard } from '../../src/drivers/postgres-js.js';
import { describeOnPostgres } from '../support/databases.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/backend-dies-in-begin.ts', import.meta.url));
const TYPE_FETCH_FIXTURE = fileURLToPath(new URL('./fixtures/closed-during-type-fetch.ts', import.meta.url));
const installedConnection = path.join(path.dirname(createRequire(import.meta.url).resolve('postgres')), 'connection.js');

describe('the postgres.js driver parity loads', () => {
  it('guards nextWrite in memory and leaves the installed file untouched', () => {
    expect(postgresGuard).toMatchObject({ applied: true });
    const installed = readFileSync(installedConnection, 'utf8');
    expect(installed).not.toContain('guarded by parity');
    expect(guardNextWrite(installed)).toContain('if (!socket) { // guarded by parity');
    expect(typeof postgres).toBe('function');
  });

  it('does not touch text it does not recognise', () => {
    expect(guardNextWrite('function nextWrite(fn) { return socket?.write(chunk, fn) }')).toBeUndefined();
  });
});

function runFixture(mode: 'guarded' | 'plain', fixture = FIXTURE) {
  return spawnSync(process.execPath, ['--import', 'tsx', fixture, mode], {
    env: { ...process.env, NODE_OPTIONS: '' },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describeOnPostgres('a verified database that dies inside a transaction', () => {
  it('the installed driver crashes the process from a queued write (the bug the guard exists for)', () => {
    const result = runFixture('plain');
    expect(result.stderr).toContain("Cannot read properties of null (reading 'write')");
    expect(result.stdout).not.toContain('survived');
    expect(result.status).not.toBe(0);
  });

  it('parity\'s driver rejects the transaction with CONNECTION_CLOSED and the process lives on', () => {
    const result = runFixture('guarded');
    expect(result.stdout).toContain('transaction: CONNECTION_CLOSED');
    expect(result.stdout).toContain('survived');
    expect(result.stderr).not.toContain('TypeError');
    expect(result.status).toBe(0);
  });
});

describeOnPostgres('a connection that closes while the driver asks for the server\'s array types', () => {
  it('the installed driver leaves the rejection unhandled, and the process exits', () => {
    const result = runFixture('plain', TYPE_FETCH_FIXTURE);
    expect(result.stderr).toContain('CONNECTION_CLOSED');
    expect(result.stdout).not.toContain('survived');
    expect(result.status).not.toBe(0);
  });

  it('parity\'s driver settles it and the process lives on', () => {
    const result = runFixture('guarded', TYPE_FETCH_FIXTURE);
    expect(result.stdout).toContain('survived');
    expect(result.stderr).not.toContain('CONNECTION_CLOSED');
    expect(result.status).toBe(0);
  });
});
