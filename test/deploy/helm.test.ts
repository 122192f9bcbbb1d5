/**
 * The Helm chart, checked with the real helm (`lint --strict`, `template`) and every rendered object
 * validated against the Kubernetes OpenAPI schemas (kubernetes-models' validators, generated from the
 * API's OpenAPI spec; prometheus-operator's for the ServiceMonitor). The rendered config and environment
 * must load with the bot's own config loader.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadConfig } from "../../src/bot/config/load.js";
import { helmBinary } from "./helm-binary.js";

const CHART = resolve(import.meta.dirname, "../../deploy/helm/proxmox-chatops");
const SECRET = ["--set", "secrets.existingSecret=chatops-secrets"];

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };
// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are walked as plain JSON
type Json = any;

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "v1/Service": Service,
  "v1/ConfigMap": ConfigMap,
  "v1/ServiceAccount": ServiceAccount,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
};

function helm(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(helmBinary(), args, {
    encoding: "utf8",
    env: { ...process.env, HELM_CACHE_HOME: "/tmp" },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function render(...sets: string[]): K8sObject[] {
  const out = execFileSync(helmBinary(), ["template", "rel", CHART, ...SECRET, ...sets], {
    encoding: "utf8",
  });
  return parseAllDocuments(out)
    .map((d) => d.toJSON() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

function find(objects: K8sObject[], kind: string, name: string): Json {
  const hit = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!hit)
    throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
  return hit;
}

/** What the operator's Secret holds, by key (values of the right shape for the config schema). */
const SECRET_VALUES: Record<string, string> = {
  "proxmox-token-secret": "5f1c3c52-7e4e-4c6b-9d0e-3c8f0b6e1a01",
  "slack-bot-token": "xoxb-1111-2222-abcdefabcdef",
  "slack-signing-secret": "8f14e45fceea167a5a36dedd4bea2543",
  "redis-url": "redis://:s3cret@redis.example:6379",
};

const SCENARIOS: Record<string, string[]> = {
  defaults: [],
  "external Redis by URL": ["--set", "redis.enabled=false", "--set", "redis.url=redis://redis.example:6379"],
  "external Redis URL in the Secret, ServiceMonitor": [
    "--set",
    "redis.enabled=false",
    "--set",
    "redis.urlSecretKey=redis-url",
    "--set",
    "serviceMonitor.enabled=true",
  ],
  "one front-end": ["--set", "frontend.replicas=1"],
};

describe("helm chart deploy/helm/proxmox-chatops", () => {
  it("passes helm lint --strict", () => {
    const r = helm(["lint", "--strict", CHART, ...SECRET]);
    expect(r.stderr + r.stdout).toContain("0 chart(s) failed");
    expect(r.status).toBe(0);
  });

  it("refuses to render without the Secret's name or an external Redis URL", () => {
    expect(helm(["template", "rel", CHART]).stderr).toContain(
      "secrets.existingSecret: name the Secret that holds the bot's tokens",
    );
    expect(helm(["template", "rel", CHART, ...SECRET, "--set", "redis.enabled=false"]).stderr).toContain(
      "redis.url or redis.urlSecretKey: an external Redis needs its URL",
    );
  });

  it("refuses values of the wrong type or misspelt keys (values.schema.json)", () => {
    const render = (...sets: string[]) => helm(["template", "rel", CHART, ...SECRET, ...sets]).stderr;
    expect(render("--set", "frontend.replicas=two")).toContain(
      "at '/frontend/replicas': got string, want integer",
    );
    expect(render("--set", "worker.replicass=2")).toContain("additional properties 'replicass' not allowed");
  });

  for (const [name, sets] of Object.entries(SCENARIOS)) {
    it(`renders objects valid against the Kubernetes schemas: ${name}`, () => {
      const objects = render(...sets);
      expect(objects.length).toBeGreaterThan(4);
      for (const o of objects) {
        const Model = MODELS[`${o.apiVersion}/${o.kind}`];
        if (!Model) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
        expect(() => new Model(o as never).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
      }
    });
  }

  it("runs front-ends with run --no-worker and workers with worker, probed on /healthz and /readyz", () => {
    const objects = render();
    for (const [role, args] of [
      ["frontend", ["run", "--no-worker"]],
      ["worker", ["worker"]],
    ] as const) {
      const pod = find(objects, "Deployment", `rel-proxmox-chatops-${role}`).spec.template.spec;
      const [c] = pod.containers;
      expect(c.args).toEqual(args);
      expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
      expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "admin" });
      expect(c.ports).toEqual([
        { name: "http", containerPort: 8080 },
        { name: "admin", containerPort: 9090 },
      ]);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(pod.securityContext.runAsNonRoot).toBe(true);
    }
    const service = find(objects, "Service", "rel-proxmox-chatops");
    expect(service.spec.selector["app.kubernetes.io/component"]).toBe("frontend");
    // The admin Service reaches front-ends and workers, not Redis.
    const admin = find(objects, "Service", "rel-proxmox-chatops-admin").spec.selector;
    const podLabels = (kind: string, name: string) => find(objects, kind, name).spec.template.metadata.labels;
    const selects = (labels: Record<string, string>) =>
      Object.entries(admin).every(([k, v]) => labels[k] === v);
    expect(selects(podLabels("Deployment", "rel-proxmox-chatops-frontend"))).toBe(true);
    expect(selects(podLabels("Deployment", "rel-proxmox-chatops-worker"))).toBe(true);
    expect(selects(podLabels("StatefulSet", "rel-proxmox-chatops-redis"))).toBe(false);
    const redis = find(objects, "StatefulSet", "rel-proxmox-chatops-redis").spec.template.spec.containers[0];
    expect(redis.args).toEqual(expect.arrayContaining(["--appendonly", "yes"]));
  });

  it("gives the bot a config and environment its own loader accepts, secrets read from the mounted Secret", () => {
    for (const sets of Object.values(SCENARIOS)) {
      const objects = render(...sets);
      const configText: string = find(objects, "ConfigMap", "rel-proxmox-chatops").data["config.yml"];
      const pod = find(objects, "Deployment", "rel-proxmox-chatops-worker").spec.template.spec;
      const env = Object.fromEntries(
        (pod.containers[0].env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
      );
      const mounted = pod.volumes.find((v: Json) => v.name === "secrets").secret;
      expect(mounted.secretName).toBe("chatops-secrets");
      const files: Record<string, string> = { [String(env.PVEBOT_CONFIG)]: configText };
      for (const item of mounted.items as { key: string; path: string }[]) {
        const value = SECRET_VALUES[item.key];
        if (value === undefined) throw new Error(`the chart mounts an unexpected key ${item.key}`);
        files[`/run/secrets/proxmox-chatops/${item.path}`] = value;
      }
      const loaded = loadConfig({
        env,
        readFile: (path) => {
          const text = files[path];
          if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
          return text;
        },
      });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
      expect(loaded.config.http).toMatchObject({ port: 8080, adminPort: 9090 });
      expect(loaded.config.redis.url).toMatch(/^redis:\/\//);
      expect(loaded.config.proxmox?.tokenSecret).toBe("5f1c3c52-7e4e-4c6b-9d0e-3c8f0b6e1a01");
      // The secrets live in the Secret only: nothing rendered carries them.
      for (const value of Object.values(SECRET_VALUES)) expect(JSON.stringify(objects)).not.toContain(value);
    }
  });
});
