/**
 * Every CLI command, in help order. Adding a command is one file plus one line here. Each is
 * imported only when it runs (or for --help): `parity --version` and `parity validate` should not
 * pay for loading the drivers, the HTTP server and every kind.
 */
import type { CommandRegistrar } from '../exit.js';

export const commandLoaders: Record<string, () => Promise<CommandRegistrar>> = {
  serve: async () => (await import('./serve.js')).registerServe,
  run: async () => (await import('./run.js')).registerRun,
  gate: async () => (await import('./gate.js')).registerGate,
  validate: async () => (await import('./validate.js')).registerValidate,
  demo: async () => (await import('./demo.js')).registerDemo,
  replay: async () => (await import('./replay.js')).registerReplay,
};
