/**
 * integrations/argo-rollouts/analysis-template.yaml against a real parity server: the metric's
 * exact request, its JSONPath and conditions evaluated the way Argo does — allowed is Successful,
 * denied is Failed, could not evaluate is an Error; never Successful unless the gate allowed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { REPO_ROOT } from '../support/spawn-parity.js';
import { evaluateResult, measure, resolveArgs, type WebMetric } from './argo-web-metric.js';
import { READ_TOKEN, startGateServer, type GateServer } from './support.js';

interface AnalysisTemplate { kind: string; spec: { args: { name: string; value?: string }[]; metrics: (WebMetric & { name: string; failureLimit?: number })[] } }

describe('the Argo evaluator itself', () => {
  it('follows Argo\'s EvaluateResult: no failure condition means "not successful is failed"', () => {
    expect(evaluateResult(true, { successCondition: 'result == true' })).toBe('Successful');
    expect(evaluateResult(false, { successCondition: 'result == true' })).toBe('Failed');
    expect(evaluateResult('x', { successCondition: 'result == true', failureCondition: 'result == false' })).toBe('Inconclusive');
    expect(evaluateResult(true, { successCondition: 'result > 1' })).toBe('Error');
  });
});

describe.each(engines)('Argo Rollouts AnalysisTemplate on %s', (engine) => {
  let world: GateServer;
  let metric: WebMetric & { failureLimit?: number };
  beforeAll(async () => {
    world = await startGateServer(engine);
    const template = parse(await readFile(path.join(REPO_ROOT, 'integrations/argo-rollouts/analysis-template.yaml'), 'utf8')) as AnalysisTemplate;
    expect(template.kind).toBe('AnalysisTemplate');
    // The args a Rollout passes (the token comes from the Secret in the cluster).
    metric = resolveArgs(template.spec.metrics[0]!, { migration: 'users-split-name', phase: 'switch-reads', 'parity-url': world.url, 'parity-token': READ_TOKEN });
  });
  afterAll(() => world?.close());

  it('asks the gate with the read token and reads $.allowed', () => {
    expect(metric.provider.web).toMatchObject({ url: `${world.url}/v1/migrations/users-split-name/gates/switch-reads?respond=body`, method: 'GET', jsonPath: '{$.allowed}' });
    expect(metric.failureLimit).toBe(0);
  });

  it('is Failed while the gate denies (no results yet, then a failing check), Successful once it allows', async () => {
    expect(await measure(metric)).toEqual({ phase: 'Failed', value: 'false' });
    await world.runChecks();
    expect(await measure(metric)).toEqual({ phase: 'Failed', value: 'false' });
    await world.repairData();
    await world.runChecks();
    expect(await measure(metric)).toEqual({ phase: 'Successful', value: 'true' });
  });

  it('is an Error, not a success, when the gate cannot be evaluated or the token is wrong', async () => {
    const restore = await world.breakCheckFiles();
    try {
      expect(await measure(metric)).toEqual({ phase: 'Error', message: 'received non 2xx response code: 503' });
    } finally {
      await restore();
    }
    const badToken = { ...metric, provider: { web: { ...metric.provider.web, headers: [{ key: 'Authorization', value: 'Bearer wrong-token-0123456789' }] } } };
    expect(await measure(badToken)).toEqual({ phase: 'Error', message: 'received non 2xx response code: 401' });
    // And the files loading again brings the evidence-based answer back.
    expect((await measure(metric)).phase).toBe('Successful');
  });

  it('is an Error, never Successful, when the URL says no respond or the status form', async () => {
    const withUrl = (url: string) => ({ ...metric, provider: { web: { ...metric.provider.web, url } } });
    const bare = metric.provider.web.url.replace('?respond=body', '');
    // Allowed right now: a form the metric does not read is still no success.
    expect(await measure(withUrl(bare))).toEqual({ phase: 'Error', message: 'received non 2xx response code: 400' });
    expect((await measure(withUrl(`${bare}?respond=status`))).phase).toBe('Successful');
    await world.breakData();
    await world.runChecks();
    try {
      expect(await measure(withUrl(bare))).toEqual({ phase: 'Error', message: 'received non 2xx response code: 400' });
      // The status form turns a denial into an Error (retried) instead of a Failed — closed, but slower.
      expect(await measure(withUrl(`${bare}?respond=status`))).toEqual({ phase: 'Error', message: 'received non 2xx response code: 412' });
      expect(await measure(metric)).toEqual({ phase: 'Failed', value: 'false' });
    } finally {
      await world.repairData();
      await world.runChecks();
    }
  });
});
