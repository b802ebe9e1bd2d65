import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service, type IConfigMap, type ISecret, type IService } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MissingEnvRefs, interpolateEnv, parseConfig } from '../../src/config/load.js';

const K8S_DIR = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url));

/** What `.validate()` needs: every kind the manifests use, built into its kubernetes-models class. */
const MODELS: Record<string, (doc: unknown) => { validate(): void }> = {
  'apps/v1/Deployment': (doc) => new Deployment(doc as IDeployment),
  'v1/Service': (doc) => new Service(doc as IService),
  'v1/ConfigMap': (doc) => new ConfigMap(doc as IConfigMap),
  'v1/Secret': (doc) => new Secret(doc as ISecret),
  'autoscaling/v2/HorizontalPodAutoscaler': (doc) => new HorizontalPodAutoscaler(doc as IHorizontalPodAutoscaler),
  'policy/v1/PodDisruptionBudget': (doc) => new PodDisruptionBudget(doc as IPodDisruptionBudget),
};

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

function parseYamlFile(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0]?.message}`);
    return d.toJS() as unknown;
  });
}

function loadManifests(): Manifest[] {
  const [kustomization] = parseYamlFile(join(K8S_DIR, 'kustomization.yaml')) as [{ resources: string[] }];
  return kustomization.resources.flatMap((file) =>
    parseYamlFile(join(K8S_DIR, file))
      .filter((doc) => doc !== null)
      .map((doc) => ({ ...(doc as Omit<Manifest, 'file'>), file }) as Manifest),
  );
}

const manifests = loadManifests();
const find = <T,>(kind: string, name: string): T => {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (m === undefined) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return m as unknown as T;
};
const gateway = find<IDeployment>('Deployment', 'thinkgate');
const pod = gateway.spec!.template.spec!;
const container = pod.containers.find((c) => c.name === 'thinkgate')!;

describe('deploy/k8s manifests', () => {
  it.each(manifests.map((m) => [`${m.file}: ${m.kind} ${m.metadata.name}`, m] as const))('%s validates against the Kubernetes schema', (_label, m) => {
    const { file: _file, ...doc } = m;
    const build = MODELS[`${m.apiVersion}/${m.kind}`];
    expect(build, `no validator for ${m.apiVersion} ${m.kind}`).toBeDefined();
    expect(() => build!(doc).validate()).not.toThrow();
  });

  it('lists every manifest file in kustomization.yaml, and maps the image name it uses', () => {
    const [kustomization] = parseYamlFile(join(K8S_DIR, 'kustomization.yaml')) as [{ resources: string[]; images: { name: string }[] }];
    const files = readdirSync(K8S_DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(kustomization.images.map((i) => i.name)).toContain(container.image);
  });

  it('has the validator reject a broken manifest (the check can fail)', () => {
    const broken = structuredClone(gateway);
    broken.spec!.template.spec!.containers[0]!.ports![0]!.containerPort = 'eighty' as unknown as number;
    expect(() => new Deployment(broken).validate()).toThrow(/containerPort/);
  });

  it('probes readiness on /readyz and liveness on /healthz, on the container port 8080 the image exposes', () => {
    expect(container.ports).toContainEqual(expect.objectContaining({ name: 'http', containerPort: 8080 }));
    expect(container.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
    expect(readFileSync(fileURLToPath(new URL('../../Dockerfile', import.meta.url)), 'utf8')).toMatch(/^EXPOSE 8080$/m);
  });

  it('runs non-root with a read-only root filesystem, no privilege escalation, no capabilities', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/tmp' }));
    expect(readFileSync(fileURLToPath(new URL('../../Dockerfile', import.meta.url)), 'utf8')).toMatch(/^USER 10001:10001$/m);
  });

  it('sets resources and leaves time for the drain before the kill', () => {
    expect(container.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources?.limits?.memory).toBeDefined();
    const config = loadConfigMapConfig(find<IConfigMap>('ConfigMap', 'thinkgate-config'));
    const preStopSeconds = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(config.server.shutdownGraceMs + preStopSeconds * 1000);
  });

  it('mounts a ConfigMap that is a valid thinkgate configuration, as the single file /app/config/thinkgate.yaml', () => {
    const configMap = find<IConfigMap>('ConfigMap', 'thinkgate-config');
    const config = loadConfigMapConfig(configMap);
    expect(config.upstreams.reasoning?.model).toBe('deepseek-flash');
    const mount = container.volumeMounts?.find((v) => v.mountPath === '/app/config/thinkgate.yaml');
    expect(mount?.subPath, 'mount the file, not the directory: config/ holds the gate weights').toBe('thinkgate.yaml');
    const volume = pod.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.configMap?.name).toBe('thinkgate-config');
  });

  it('reads every secret from a file of the Secret, never from a plain env value', () => {
    const secret = find<ISecret>('Secret', 'thinkgate-secrets');
    const mount = container.volumeMounts!.find((v) => pod.volumes?.find((vol) => vol.name === v.name)?.secret?.secretName === 'thinkgate-secrets');
    expect(mount).toBeDefined();
    const fileVars = (container.env ?? []).filter((e) => e.name.endsWith('_FILE'));
    expect(fileVars.map((e) => e.name).sort()).toEqual(
      ['THINKGATE_ADMIN_KEYS_FILE', 'THINKGATE_API_KEYS_FILE', 'THINKGATE_DIRECT_API_KEY_FILE', 'THINKGATE_REASONING_API_KEY_FILE'],
    );
    for (const v of fileVars) {
      expect(v.value!.startsWith(`${mount!.mountPath}/`), v.name).toBe(true);
      expect(Object.keys(secret.stringData ?? {})).toContain(v.value!.slice(mount!.mountPath.length + 1));
    }
    expect((container.env ?? []).some((e) => /API_KEY$|_KEYS$/.test(e.name))).toBe(false);
  });

  it('wires Service, HPA and PodDisruptionBudget to the gateway pods', () => {
    const labels = gateway.spec!.template.metadata!.labels!;
    const service = find<IService>('Service', 'thinkgate');
    for (const [k, v] of Object.entries(service.spec!.selector!)) expect(labels[k]).toBe(v);
    expect(service.spec!.ports![0]!.targetPort).toBe('http');
    const hpa = find<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'thinkgate');
    expect(hpa.spec!.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'thinkgate', apiVersion: 'apps/v1' });
    expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    const pdb = find<IPodDisruptionBudget>('PodDisruptionBudget', 'thinkgate');
    for (const [k, v] of Object.entries(pdb.spec!.selector!.matchLabels!)) expect(labels[k]).toBe(v);
    const redis = find<IService>('Service', 'thinkgate-redis');
    expect(container.env).toContainEqual({ name: 'REDIS_URL', value: `redis://${redis.metadata!.name}:${redis.spec!.ports![0]!.port}` });
  });
});

function loadConfigMapConfig(configMap: IConfigMap): ReturnType<typeof parseConfig> {
  const text = configMap.data?.['thinkgate.yaml'];
  if (text === undefined) throw new Error('ConfigMap has no thinkgate.yaml');
  const missing = new MissingEnvRefs();
  const [doc] = parseAllDocuments(interpolateEnv(text, {}, missing));
  expect(missing.problems()).toEqual([]);
  return parseConfig(doc?.toJS());
}
