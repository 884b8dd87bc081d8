/** Every CLI command, in help order. Adding a command is one file plus one line here. */
import type { CommandRegistrar } from '../main.js';

export const commandRegistrars: CommandRegistrar[] = [];
