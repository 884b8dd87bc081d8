/** What this copy of parity is: its package name and version, read from the package.json it ships with. */
import { createRequire } from 'node:module';

// src/meta/ and dist/meta/ both sit two levels below the package root.
const manifest = createRequire(import.meta.url)('../../package.json') as { name: string; version: string };

/** The installed package's version (e.g. "0.1.0"). */
export const PARITY_VERSION: string = manifest.version;

/** The npm package name parity is published under. */
export const PACKAGE_NAME: string = manifest.name;
