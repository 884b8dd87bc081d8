/**
 * Argo Rollouts' web metric provider as Argo runs it (metricproviders/webmetric/webmetric.go and
 * utils/evaluate/evaluate.go): the request from the metric's provider.web (method, url, headers,
 * timeoutSeconds), a non-2xx answer or a transport failure is a measurement Error, a body that is
 * not JSON is Successful (!), the k8s JSONPath template `{…}` picks the first value, and
 * successCondition / failureCondition decide Successful, Failed or Inconclusive. The conditions are
 * expr-lang; this evaluator knows only `result == LITERAL` and `result != LITERAL` and refuses the rest.
 */
import { query, type JsonValue } from 'jsonpath-rfc9535';

export type AnalysisPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export interface WebMetric {
  successCondition?: string;
  failureCondition?: string;
  provider: { web: { url: string; method?: string; headers?: { key: string; value: string }[]; timeoutSeconds?: number; jsonPath?: string } };
}

export interface Measurement { phase: AnalysisPhase; value?: string; message?: string }

/** `{{args.name}}` → its value, as Argo resolves a template's args. */
export function resolveArgs<T>(template: T, args: Record<string, string>): T {
  return JSON.parse(JSON.stringify(template).replace(/\{\{args\.([A-Za-z0-9_-]+)\}\}/g, (whole, name: string) => {
    if (!(name in args)) throw new Error(`no value for ${whole}`);
    return JSON.stringify(args[name]).slice(1, -1);
  })) as T;
}

function evalCondition(result: unknown, condition: string): boolean {
  const match = /^\s*result\s*(==|!=)\s*(.+?)\s*$/.exec(condition);
  if (!match) throw new Error(`this evaluator supports only "result == LITERAL" and "result != LITERAL", not ${JSON.stringify(condition)}`);
  const literal = JSON.parse(match[2]!) as unknown;
  return (result === literal) === (match[1] === '==');
}

/** EvaluateResult: a metric without a failure condition fails whenever its success condition is false. */
export function evaluateResult(result: unknown, metric: Pick<WebMetric, 'successCondition' | 'failureCondition'>): AnalysisPhase {
  let success = false;
  let fail = false;
  try {
    if (metric.successCondition) success = evalCondition(result, metric.successCondition);
    if (metric.failureCondition) fail = evalCondition(result, metric.failureCondition);
  } catch {
    return 'Error';
  }
  if (!metric.successCondition && !metric.failureCondition) return 'Successful';
  if (metric.successCondition && !metric.failureCondition) fail = !success;
  if (!metric.successCondition && metric.failureCondition) success = !fail;
  if (fail) return 'Failed';
  if (!success) return 'Inconclusive';
  return 'Successful';
}

/** One measurement of the metric, as the Argo controller takes it. */
export async function measure(metric: WebMetric): Promise<Measurement> {
  const web = metric.provider.web;
  const headers = Object.fromEntries((web.headers ?? []).map((h) => [h.key, h.value]));
  let response: Response;
  try {
    response = await fetch(web.url, { method: web.method ?? 'GET', headers, signal: AbortSignal.timeout((web.timeoutSeconds || 10) * 1000) });
  } catch (error) {
    return { phase: 'Error', message: (error as Error).message };
  }
  const text = await response.text();
  if (response.status < 200 || response.status >= 300) return { phase: 'Error', message: `received non 2xx response code: ${response.status}` };
  let data: JsonValue;
  try {
    data = JSON.parse(text) as JsonValue;
  } catch {
    return { phase: 'Successful', value: text };
  }
  const template = web.jsonPath || '{$}';
  const expression = /^\{(.*)\}$/s.exec(template)?.[1];
  if (expression === undefined) return { phase: 'Error', message: `unsupported JSONPath template ${template}` };
  let values: JsonValue[];
  try {
    values = query(data, expression);
  } catch (error) {
    return { phase: 'Error', message: `Could not find JSONPath in body: ${(error as Error).message}` };
  }
  if (values.length === 0) return { phase: 'Error', message: 'result of web metric produced no value' };
  const value = values[0];
  return { phase: evaluateResult(value, metric), value: JSON.stringify(value) };
}
