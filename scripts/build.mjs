#!/usr/bin/env node
// Compiles src/ to dist/ (JavaScript, source maps with their sources inlined, declarations) and
// copies what the compiled code reads at run time: the state store's SQL migrations.
// Run by `npm run build` and, through `prepack`, by every `npm pack` / `npm publish`.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist`, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
cpSync(`${root}src/store/migrations`, `${root}dist/store/migrations`, { recursive: true });
