/**
 * deploy/kubernetes/ against the Kubernetes API schemas (kubernetes-models: validators generated
 * from the Kubernetes 1.27 OpenAPI document; @kubernetes-models/prometheus-operator: from the
 * prometheus-operator CRDs), plus the references between the objects and parity's own rules for
 * what they carry. Not covered: the schemas allow unknown fields (as the API server's non-strict
 * mode does), so a misspelt optional key is not caught here; nothing is applied to a cluster.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.js';
import { loadConfig } from '../../src/config/config.js';
import { REPO_ROOT } from '../support/spawn-parity.js';

const DIR = path.join(REPO_ROOT, 'deploy/kubernetes');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
};

async function manifests(): Promise<Array<{ file: string; doc: Manifest }>> {
  const out: Array<{ file: string; doc: Manifest }> = [];
  for (const file of (await readdir(DIR)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()) {
    for (const doc of parseAllDocuments(await readFile(path.join(DIR, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      out.push({ file, doc: doc.toJS() as Manifest });
    }
  }
  return out;
}

function validate(doc: Manifest): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc as never).validate();
}

const all = await manifests();
const one = <T>(kind: string) => {
  const found = all.filter((m) => m.doc.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!.doc as unknown as T;
};

interface Container { name: string; args: string[]; ports: Array<{ name: string; containerPort: number }>; env: Array<{ name: string; value?: string }>; envFrom: Array<{ secretRef: { name: string } }>; volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>; livenessProbe: { httpGet: { path: string; port: string } }; readinessProbe: { httpGet: { path: string; port: string } }; securityContext: Record<string, unknown> }
interface DeploymentDoc { spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { securityContext: { runAsNonRoot: boolean }; containers: Container[]; volumes: Array<{ name: string; configMap?: { name: string } }> } } } }

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('the Kubernetes manifests', () => {
  it.each(all.map((m) => [`${m.file}: ${m.doc.kind} ${m.doc.metadata.name}`, m.doc] as const))('%s is valid against its schema', (_, doc) => {
    expect(() => validate(doc)).not.toThrow();
  });

  it('the schemas catch a wrong value deep inside the Deployment (the validation is not a no-op)', () => {
    const broken = structuredClone(one<Manifest>('Deployment')) as unknown as DeploymentDoc;
    (broken.spec.template.spec.containers[0]!.readinessProbe.httpGet as { port: unknown }).port = { name: 'http' };
    expect(() => validate(broken as unknown as Manifest)).toThrow(/readinessProbe\/httpGet\/port/);
  });

  it('kustomization.yaml lists every manifest', async () => {
    const kustomization = parseAllDocuments(await readFile(path.join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual([...new Set(all.map((m) => m.file))].sort());
  });

  it('the Deployment probes /healthz and /readyz on its port, mounts the ConfigMap at /checks and takes the Secret', () => {
    const deployment = one<DeploymentDoc>('Deployment');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(container!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container!.ports.map((p) => p.name)).toContain('http');
    const checksMount = container!.volumeMounts.find((m) => m.mountPath === '/checks');
    expect(checksMount).toMatchObject({ readOnly: true });
    expect(pod.volumes.find((v) => v.name === checksMount!.name)?.configMap?.name).toBe(one<Manifest>('ConfigMap').metadata.name);
    expect(container!.envFrom.map((e) => e.secretRef.name)).toEqual([one<Manifest>('Secret').metadata.name]);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
  });

  it('parity accepts the Deployment\'s environment with the Secret\'s values (tokens parse, 0.0.0.0 is allowed with them)', () => {
    const secret = one<{ stringData: Record<string, string> }>('Secret').stringData;
    const container = one<DeploymentDoc>('Deployment').spec.template.spec.containers[0]!;
    const env = { ...secret, ...Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])) };
    const config = loadConfig(env);
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8080, checksDir: '/checks' });
    expect(config.databaseUrl).toMatch(/^postgres:\/\//);
    // The PodMonitor's token is one parity accepts for GET /metrics (read scope).
    const monitor = one<{ spec: { podMetricsEndpoints: Array<{ port: string; path: string; authorization: { credentials: { name: string; key: string } } }> } }>('PodMonitor');
    const [endpoint] = monitor.spec.podMetricsEndpoints;
    expect(endpoint).toMatchObject({ port: 'http', path: '/metrics' });
    expect(endpoint!.authorization.credentials.name).toBe(one<Manifest>('Secret').metadata.name);
    const scrapeToken = secret[endpoint!.authorization.credentials.key];
    expect(config.apiTokens.find((t) => t.token === scrapeToken)?.scopes.has('read')).toBe(true);
  });

  it('the ConfigMap holds check files parity loads', async () => {
    const data = one<{ data: Record<string, string> }>('ConfigMap').data;
    const dir = await mkdtemp(path.join(tmpdir(), 'parity-configmap-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(data)) await writeFile(path.join(dir, name), text);
    const catalog = await loadCatalog(dir, { APP_DATABASE_URL: one<{ stringData: Record<string, string> }>('Secret').stringData.APP_DATABASE_URL });
    expect([...catalog.checks.keys()].sort()).toEqual(['users-name-backfilled', 'users-row-count']);
    expect([...catalog.migrations.keys()]).toEqual(['users-split-name']);
  });
});
