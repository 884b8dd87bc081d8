/** Every CLI command, in help order. Adding a command is one file plus one line here. */
import type { CommandRegistrar } from '../exit.js';
import { registerDemo } from './demo.js';
import { registerGate } from './gate.js';
import { registerReplay } from './replay.js';
import { registerRun } from './run.js';
import { registerServe } from './serve.js';
import { registerValidate } from './validate.js';

export const commandRegistrars: CommandRegistrar[] = [registerServe, registerRun, registerGate, registerValidate, registerDemo, registerReplay];
