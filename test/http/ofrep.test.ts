/**
 * OFREP with the official OpenFeature server SDK and OFREP provider as the client, against a real
 * parity server on a socket (real state store and verified database, a real column_parity check):
 * denied → false, allowed → true, could not evaluate → the caller's default with an error, never a
 * `true` from the server.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OpenFeature, type Client } from '@openfeature/server-sdk';
import { OFREPApi } from '@openfeature/ofrep-core';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { engines } from '../support/databases.js';
import { MIGRATIONS_YAML } from '../support/migrations-yaml.js';
import { createHttpFixture, type HttpFixture } from './support.js';

const READ = 'ofrep-reader-0123456789';
const RUN = 'ofrep-runner-0123456789';
const FLAG = 'users-split-name/switch-reads';

describe.each(engines)('OFREP on %s', (engine) => {
  let fx: HttpFixture;
  let server: RunningServer;
  let client: Client;
  const domain = `parity-ofrep-${engine}`;

  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: MIGRATIONS_YAML, tokens: `flags:${READ}:read,deployer:${RUN}:run`, env: { PARITY_PORT: '0' } });
    server = await startServer(fx.service);
    await OpenFeature.setProviderAndWait(domain, new OFREPProvider({ baseUrl: server.url, headers: [['Authorization', `Bearer ${READ}`]] }));
    client = OpenFeature.getClient(domain);
  });
  afterAll(async () => {
    await OpenFeature.clearProviders();
    await server?.close();
    await fx?.close();
  });

  const runChecks = async () => {
    const response = await fetch(`${server.url}/v1/runs?wait=true`, { method: 'POST', headers: { authorization: `Bearer ${RUN}`, 'content-type': 'application/json' }, body: '{"all":true}' });
    expect(response.status).toBe(200);
  };

  it('is false, with the gate\'s reasons in the flag metadata, before any check ran — whatever the default', async () => {
    for (const fallback of [false, true]) {
      const details = await client.getBooleanDetails(FLAG, fallback, { targetingKey: 'checkout-service' });
      expect(details).toMatchObject({ value: false, reason: 'TARGETING_MATCH', variant: 'denied' });
      expect(details.errorCode).toBeUndefined();
      expect(details.flagMetadata).toMatchObject({ migration: 'users-split-name', phase: 'switch-reads', allowed: false, reason_count: 2 });
      expect(details.flagMetadata.reasons).toBe('check "users-row-count" has no result yet\ncheck "users-name-parity" has no result yet');
      expect(JSON.parse(String(details.flagMetadata.reasons_json))).toHaveLength(2);
    }
  });

  it('is false while a required check fails, and true once the data is fixed and the checks pass again', async () => {
    await runChecks();
    const denied = await client.getBooleanDetails(FLAG, true);
    expect(denied).toMatchObject({ value: false, variant: 'denied' });
    expect(denied.flagMetadata.reasons).toMatch(/^check "users-name-parity" failed: .*2 mismatching/);

    await fx.db.exec(`update users set last_name = 'Last' || id where last_name = 'Wrong'`);
    await runChecks();
    const allowed = await client.getBooleanDetails(FLAG, false);
    expect(allowed).toMatchObject({ value: true, reason: 'TARGETING_MATCH', variant: 'allowed' });
    expect(allowed.flagMetadata).toMatchObject({ allowed: true, reason_count: 0, reasons: '' });
    // Every evaluation is a recorded gate decision, asked by the token's name.
    const decisions = await (await fetch(`${server.url}/v1/migrations/users-split-name/decisions`, { headers: { authorization: `Bearer ${READ}` } })).json() as { decisions: { id: string; requested_by: string; allowed: boolean }[] };
    expect(decisions.decisions[0]).toMatchObject({ id: allowed.flagMetadata.decision_id, requested_by: 'flags', allowed: true });
  });

  it('answers the key URL-encoded as one segment too, and OFREP error shapes for bad requests', async () => {
    const post = (key: string, body: string, token = READ) => fetch(`${server.url}/ofrep/v1/evaluate/flags/${key}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    const encoded = await post(encodeURIComponent(FLAG), '{"context":{"targetingKey":"x"}}');
    expect(encoded.status).toBe(200);
    expect(await encoded.json()).toMatchObject({ key: FLAG, value: true, variant: 'allowed' });

    const parse = await post(encodeURIComponent(FLAG), '{"context":');
    expect(parse.status).toBe(400);
    expect(await parse.json()).toMatchObject({ key: FLAG, errorCode: 'PARSE_ERROR' });
    const context = await post(encodeURIComponent(FLAG), '{"context":"everyone"}');
    expect(context.status).toBe(400);
    expect(await context.json()).toMatchObject({ key: FLAG, errorCode: 'INVALID_CONTEXT' });
    for (const key of ['users-split-name', 'users-split-name%2Fno-such-phase', 'nope/switch-reads', 'a/b/c']) {
      const missing = await post(key, '{}');
      expect(missing.status, key).toBe(404);
      expect(await missing.json(), key).toMatchObject({ key: decodeURIComponent(key), errorCode: 'FLAG_NOT_FOUND' });
    }
    expect((await post(encodeURIComponent(FLAG), '{}', 'wrong-token-0123456789')).status).toBe(401);
  });

  it('is documented in /openapi.json with the read scope', async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json() as { paths: Record<string, Record<string, { operationId?: string; security?: unknown }>> };
    for (const [route, id] of [['/ofrep/v1/evaluate/flags/{key}', 'ofrepEvaluateFlag'], ['/ofrep/v1/evaluate/flags/{migration}/{phase}', 'ofrepEvaluateFlagByPath']] as const) {
      expect(doc.paths[route]?.post).toMatchObject({ operationId: id, security: [{ bearer: [] }] });
    }
  });

  it('gives the SDK FLAG_NOT_FOUND for an unknown flag and an error (default value) without a valid token', async () => {
    const unknown = await client.getBooleanDetails('users-split-name/contract-typo', false);
    expect(unknown).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });

    const anonymousDomain = `${domain}-anonymous`;
    await OpenFeature.setProviderAndWait(anonymousDomain, new OFREPProvider({ baseUrl: server.url }));
    const anonymous = await OpenFeature.getClient(anonymousDomain).getBooleanDetails(FLAG, false);
    expect(anonymous).toMatchObject({ value: false, reason: 'ERROR' });
    expect(anonymous.errorCode).toBeDefined();
  });

  it('serves the bulk evaluation to the official OFREP client: every phase is a flag, 304 while the answers stay the same', async () => {
    const api = new OFREPApi(server.url);
    const auth: [string, string][] = [['Authorization', `Bearer ${READ}`]];
    const first = await api.postBulkEvaluateFlags({ context: { targetingKey: 'web' } }, { headers: auth });
    expect(first.httpStatus).toBe(200);
    expect(first.value).toEqual({ flags: [
      expect.objectContaining({ key: 'users-split-name/switch-reads', value: true, variant: 'allowed' }),
      expect.objectContaining({ key: 'users-split-name/contract', value: true, variant: 'allowed' }),
    ] });
    const etag = first.httpResponse!.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const unchanged = await api.postBulkEvaluateFlags({ context: {} }, { headers: [...auth, ['If-None-Match', etag]] });
    expect(unchanged.httpStatus).toBe(304);

    await fx.db.exec(`update users set last_name = 'Wrong' where id in (7, 42)`);
    await runChecks();
    const changed = await api.postBulkEvaluateFlags({ context: {} }, { headers: [...auth, ['If-None-Match', etag]] });
    expect(changed.httpStatus).toBe(200);
    expect((changed.value as { flags: { key: string; value: boolean }[] }).flags.map((f) => [f.key, f.value])).toEqual([
      ['users-split-name/switch-reads', false], ['users-split-name/contract', false],
    ]);
    expect(changed.httpResponse!.headers.get('etag')).not.toBe(etag);
    const parse = await fetch(`${server.url}/ofrep/v1/evaluate/flags`, { method: 'POST', headers: { authorization: `Bearer ${READ}`, 'content-type': 'application/json' }, body: '[' });
    expect(parse.status).toBe(400);
    expect(await parse.json()).toMatchObject({ errorCode: 'PARSE_ERROR' });

    await fx.db.exec(`update users set last_name = 'Last' || id where last_name = 'Wrong'`);
    await runChecks();
  });

  it('could not evaluate (the check files on disk stop loading): GENERAL error, so the SDK answers the default and says why', async () => {
    const file = path.join(fx.service.config.checksDir, 'checks.yaml');
    const good = await readFile(file, 'utf8');
    await writeFile(file, `${good}\n  - id: broken\n    kind: nope\n`);
    try {
      const raw = await fetch(`${server.url}/ofrep/v1/evaluate/flags/${encodeURIComponent(FLAG)}`, { method: 'POST', headers: { authorization: `Bearer ${READ}`, 'content-type': 'application/json' }, body: '{}' });
      expect(raw.status).toBe(500);
      const body = await raw.json() as { key: string; errorCode: string; errorDetails: string; value?: unknown };
      expect(body).toMatchObject({ key: FLAG, errorCode: 'GENERAL' });
      expect(body.errorDetails).toMatch(/^could not evaluate the gate for users-split-name\/switch-reads: /);
      expect(body.value).toBeUndefined();

      const details = await client.getBooleanDetails(FLAG, false);
      expect(details).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'GENERAL' });
      expect(details.errorMessage).toMatch(/could not evaluate/);

      const bulk = await new OFREPApi(server.url).postBulkEvaluateFlags({ context: {} }, { headers: [['Authorization', `Bearer ${READ}`]] });
      expect(bulk.httpStatus).toBe(200);
      for (const flag of (bulk.value as unknown as { flags: Record<string, unknown>[] }).flags) {
        expect(flag).toMatchObject({ errorCode: 'GENERAL' });
        expect(flag.value).toBeUndefined();
      }
    } finally {
      await writeFile(file, good);
    }
    // The files load again: the gate (and the flag) answer from the evidence once more.
    expect(await client.getBooleanValue(FLAG, false)).toBe(true);
  });
});
