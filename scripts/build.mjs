#!/usr/bin/env node
// Compiles src/ to dist/ (JavaScript, source maps with their sources inlined, declarations) and
// copies what the compiled code reads at run time: the state store's SQL migrations. Then bundles
// the CLI into dist/bundle/ (what bin/parity.js runs when installed): one module graph of ~700
// small files costs a one-shot `parity run` a third of a second just to load; bundled, with the
// lazy imports kept as chunks, the same start takes a tenth of that (docs/decisions.md).
// Run by `npm run build` and, through `prepack`, by every `npm pack` / `npm publish`.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist`, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
cpSync(`${root}src/store/migrations`, `${root}dist/store/migrations`, { recursive: true });

// Kept out of the bundle: packages that read their own files at run time (WebAssembly, worker
// scripts, the driver parity patches as it loads) are resolved from node_modules as usual.
// Development dependencies stay external too: an installed parity does not have them (replay says
// it needs fast-check rather than carrying it).
// Everything else is bundled: a package kept external while a package that shares state with it
// (hono and @hono/otel, zod and @hono/zod-openapi) is bundled would run as two copies.
const { dependencies = {}, devDependencies = {} } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const telemetry = Object.keys(dependencies).filter((name) => name.startsWith('@opentelemetry/'));
const EXTERNAL = ['@electric-sql/pglite', 'libpg-query', 'pino', 'postgres', ...telemetry, ...Object.keys(devDependencies)]
  .flatMap((name) => [name, `${name}/*`]);

/**
 * Node built-ins are imported by their `node:` names, and `parity replay` (which needs fast-check,
 * a development dependency) stays the unbundled dist/replay/ it loads lazily: its imports resolve
 * to those files, relative to the bundle.
 */
const keepOutside = {
  name: 'keep-outside',
  setup(b) {
    const builtins = new RegExp(`^(${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);
    b.onResolve({ filter: builtins }, (args) => ({ path: `node:${args.path}`, external: true }));
    b.onResolve({ filter: /\/replay\// }, (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      if (!target.startsWith(`${root}dist${path.sep}replay${path.sep}`)) return undefined;
      return { path: `../${path.relative(`${root}dist`, target).split(path.sep).join('/')}`, external: true };
    });
  },
};
await build({
  entryPoints: [`${root}dist/cli/main.js`],
  outdir: `${root}dist/bundle`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  plugins: [keepOutside],
  sourcemap: true,
  // Less text for V8 to scan as the CLI starts (measured: ~3% of a one-shot run); names are kept,
  // and the source map still leads back to the TypeScript.
  minifyWhitespace: true,
  minifySyntax: true,
  // CommonJS packages inside the bundle call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __parityRequire } from 'node:module'; const require = __parityRequire(import.meta.url);" },
  logLevel: 'warning',
});
// The bundle reads the migrations beside itself (store/migrate.ts resolves them from its own module).
cpSync(`${root}src/store/migrations`, `${root}dist/bundle/migrations`, { recursive: true });
