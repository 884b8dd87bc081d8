/**
 * integrations/flagger/canary.yaml against a real parity server: each webhook called exactly as
 * Flagger's callWebhook does (POST, JSON payload {name, namespace, phase, checksum, metadata},
 * Content-Type application/json, URL credentials sent as Basic auth by Go's client, a timeout), and
 * judged as Flagger judges it: a status above 202 is "not ready" — so denied and could-not-evaluate
 * both hold the canary, and only an allowed gate lets it go.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { REPO_ROOT } from '../support/spawn-parity.js';
import { READ_TOKEN, startGateServer, type GateServer } from './support.js';

interface Webhook { name: string; type: string; url: string; timeout: string; metadata?: Record<string, string> }
interface Canary { kind: string; metadata: { name: string; namespace: string }; spec: { analysis: { webhooks: Webhook[] } } }

/** Flagger's callWebhook: true when Flagger goes on (status ≤ 202), with the status it saw. */
async function callWebhook(canary: Canary, hook: Webhook, phase: string): Promise<{ go: boolean; status: number; body: any }> {
  const url = new URL(hook.url);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  // Go's http.Client turns URL user info into Basic auth (and sends the URL without it).
  if (url.username || url.password) {
    headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const payload = { name: canary.metadata.name, namespace: canary.metadata.namespace, phase, checksum: '7f3b2c1d9e8a', metadata: hook.metadata ?? {} };
  const seconds = Number(/^(\d+)s$/.exec(hook.timeout)?.[1] ?? 10);
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(payload), signal: AbortSignal.timeout(seconds * 1000) });
  const text = await response.text();
  return { go: response.status <= 202, status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe.each(engines)('Flagger webhooks on %s', (engine) => {
  let world: GateServer;
  let canary: Canary;
  let hooks: Record<string, Webhook>;
  beforeAll(async () => {
    world = await startGateServer(engine);
    const text = await readFile(path.join(REPO_ROOT, 'integrations/flagger/canary.yaml'), 'utf8');
    // The manifest's host and token placeholders, as the operator fills them in.
    canary = parse(text.replaceAll('PARITY_READ_TOKEN', READ_TOKEN).replaceAll('parity.parity.svc.cluster.local:8080', new URL(world.url).host)) as Canary;
    expect(canary.kind).toBe('Canary');
    hooks = Object.fromEntries(canary.spec.analysis.webhooks.map((h) => [h.type, h]));
  });
  afterAll(() => world?.close());

  it('uses the status form of the gate routes for both hooks', () => {
    expect(hooks['pre-rollout']!.url).toMatch(/\/v1\/migrations\/users-split-name\/gates\/switch-reads\?respond=status$/);
    expect(hooks['confirm-promotion']!.url).toMatch(/\/v1\/migrations\/users-split-name\/gates\/contract\?respond=status$/);
  });

  it('holds the canary while the gate denies (412), and lets it go once the gate allows (200)', async () => {
    await world.runChecks();
    for (const type of ['pre-rollout', 'confirm-promotion']) {
      const held = await callWebhook(canary, hooks[type]!, 'Progressing');
      expect(held, type).toMatchObject({ go: false, status: 412, body: { allowed: false, requested_by: 'tools' } });
    }
    // In the body form the denial would be a 200 — which Flagger reads as "go": every gate request
    // must say which form it reads, so the careless URL holds the canary too (400).
    const bodyForm = await callWebhook(canary, { ...hooks['pre-rollout']!, url: hooks['pre-rollout']!.url.replace('?respond=status', '') }, 'Progressing');
    expect(bodyForm).toMatchObject({ go: false, status: 400, body: { error: { code: 'respond_required' } } });

    await world.repairData();
    await world.runChecks();
    for (const type of ['pre-rollout', 'confirm-promotion']) {
      const released = await callWebhook(canary, hooks[type]!, 'Progressing');
      expect(released, type).toMatchObject({ go: true, status: 200, body: { allowed: true } });
    }
  });

  it('holds the canary (503) when the gate cannot be evaluated, and on a wrong token (401)', async () => {
    const restore = await world.breakCheckFiles();
    try {
      const held = await callWebhook(canary, hooks['confirm-promotion']!, 'Progressing');
      expect(held).toMatchObject({ go: false, status: 503, body: { allowed: false, evaluated: false } });
    } finally {
      await restore();
    }
    const wrong = await callWebhook(canary, { ...hooks['pre-rollout']!, url: hooks['pre-rollout']!.url.replace(READ_TOKEN, 'not-the-token-0123456789') }, 'Progressing');
    expect(wrong).toMatchObject({ go: false, status: 401 });
  });
});
