#!/usr/bin/env node
// An installed parity runs the compiled, bundled CLI (dist/bundle/, built from dist/). A source
// checkout (src/ beside bin/) runs the TypeScript through tsx, a development dependency, so edits
// take effect without a build.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/bundle/main.js'));
}
process.exitCode = await main(process.argv);
