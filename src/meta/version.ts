/** What this copy of parity is: its package name and version, read from the package.json it ships with. */
import { createRequire } from 'node:module';
import path from 'node:path';

// src/meta/, dist/meta/ and the bundled CLI's dist/bundle/ all sit two levels below the package root.
const manifestPath = createRequire(import.meta.url).resolve('../../package.json');
const manifest = createRequire(import.meta.url)(manifestPath) as { name: string; version: string };

/** The folder parity is installed in (or the checkout): where package.json and the shipped checks/ are. */
export const PACKAGE_ROOT: string = path.dirname(manifestPath);

/** The installed package's version (e.g. "0.1.0"). */
export const PARITY_VERSION: string = manifest.version;

/** The npm package name parity is published under. */
export const PACKAGE_NAME: string = manifest.name;
