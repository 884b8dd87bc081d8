#!/usr/bin/env node
// postgres.js 3.4.9 crashes the whole process when a connection closes while a small write is
// queued: nextWrite() runs from setImmediate and calls socket.write on a null socket
// (porsager/postgres#1154, #1208; fix proposed in #1209, unreleased). parity's fault injection
// hits it whenever a verified database goes away mid-check. Until a fixed release exists, this
// guards nextWrite the way #1209 does: the pending query is rejected with CONNECTION_CLOSED
// instead of an uncatchable TypeError. Idempotent; refuses to touch an unexpected version.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const MARK = 'parity patch: porsager/postgres#1208';
const ORIGINAL = `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`;
const PATCHED = `  function nextWrite(fn) {
    if (!socket) { // ${MARK}
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return false
    }
    const x = socket.write(chunk, fn)`;

const require = createRequire(import.meta.url);
let root;
try {
  // The package exports no ./package.json; its CommonJS entry is cjs/src/index.js.
  root = path.resolve(path.dirname(require.resolve('postgres')), '..', '..');
} catch {
  process.exit(0); // not installed (yet): nothing to patch
}
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const file of ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js']) {
  const target = path.join(root, file);
  if (!existsSync(target)) continue;
  const text = readFileSync(target, 'utf8');
  if (text.includes(MARK)) continue;
  if (!text.includes(ORIGINAL)) {
    // A release that changed nextWrite probably carries the fix; say so rather than fail installs.
    console.warn(`patch-postgres-js: ${file} of postgres@${version} does not match; not patched (check whether #1208 is fixed)`);
    continue;
  }
  writeFileSync(target, text.replace(ORIGINAL, PATCHED));
  console.log(`patch-postgres-js: guarded nextWrite in postgres@${version} ${file}`);
}
