/**
 * Check files are validated with the real PostgreSQL parser, which loads asynchronously (wasm).
 * loadCatalog awaits it; tests that parse check files directly (parseCheckFile, catalogFromYaml,
 * parseScenario) get it loaded here, once per test file.
 */
import { loadSqlParser } from '../../src/sql/parser.js';

await loadSqlParser();
