import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { AclEntry } from "./auth/acl.js";
import { Credentials } from "./auth/credentials.js";
import { PRIVILEGES } from "./auth/privileges.js";
import { FaultInjector, RequestLog } from "./faults.js";
import { createPipeline, mergeParams } from "./http/pipeline.js";
import { ALL_ROUTES } from "./routes/index.js";
import type { SimRuntime } from "./routes/types.js";
import { SchemaCatalog, splitPath } from "./schema/catalog.js";
import type { PveVersion } from "./schema/types.js";
import { validateParameters } from "./schema/validate.js";
import { type ClusterFixture, defaultFixture, parseFixture } from "./state/fixture.js";
import { SimState } from "./state/state.js";
import { TaskManager } from "./tasks.js";
import { createSelfSignedCert } from "./tls.js";

export type { AclEntry } from "./auth/acl.js";
export type { DropFault, LatencyFault, RequestFault, RequestLogEntry, TaskFault } from "./faults.js";
export { FaultInjector, RequestLog } from "./faults.js";
export type { PveVersion } from "./schema/types.js";
export type { ClusterFixture } from "./state/fixture.js";
export { SimState } from "./state/state.js";

export interface SimOptions {
  host?: string;
  port?: number;
  tls?: boolean;
  pveVersion?: PveVersion;
  fixture?: ClusterFixture;
  /** ms by PVE task type (`qmclone`, `download`, …). */
  taskDurations?: Partial<Record<string, number>>;
  defaultTaskDurationMs?: number;
  /** Time from VM start until its guest agent answers; default 0. */
  agentStartDelayMs?: number;
  /** How long `agent/exec` processes run before `exited: 1`; default 20 ms. */
  execDurationMs?: number;
  /** pveproxy delays failed logins by 3 s; default 0 here to keep tests fast. */
  authFailureDelayMs?: number;
}

export type ValidationOutcome =
  | { ok: true }
  | { ok: false; status: number; message: string; errors?: Record<string, string> };

export interface PveSimulator {
  url: string;
  tokenId: string;
  tokenSecret: string;
  fingerprint: string;
  caPem: string;
  pveVersion: PveVersion;
  state: SimState;
  faults: FaultInjector;
  requests: RequestLog;
  addToken(opts: { tokenId: string; secret?: string; acl: AclEntry[] }): { tokenId: string; secret: string };
  /** Adds a password user for `POST /access/ticket` (ticket + CSRF auth). */
  addUser(opts: { userid: string; password: string; acl: AclEntry[] }): void;
  /** Validates a request the way the server would, without sending it; returns PVE's 400/501 errors or ok. */
  validate(method: string, path: string, params: Record<string, unknown>): ValidationOutcome;
  close(): Promise<void>;
}

const MANAGER_VERSION: Record<PveVersion, string> = { "9.1": "9.1.5", "8.4": "8.4.14" };
const DEFAULT_TOKEN_ID = "bot@pve!chatops";

/**
 * Starts a Proxmox VE API simulator on 127.0.0.1 (by default HTTPS with a fresh self-signed
 * certificate). Each call builds an independent cluster from the fixture; nothing is shared
 * between instances.
 */
export async function startPveSimulator(options: SimOptions = {}): Promise<PveSimulator> {
  const version = options.pveVersion ?? "9.1";
  const host = options.host ?? "127.0.0.1";
  const useTls = options.tls ?? true;
  const catalog = SchemaCatalog.load(version);
  for (const route of ALL_ROUTES) {
    if (!catalog.find(route.method, route.path)) {
      throw new Error(`simulator route ${route.method} ${route.path} is not in the PVE ${version} schema`);
    }
  }
  const state = new SimState(parseFixture(options.fixture ?? defaultFixture()), MANAGER_VERSION[version]);
  const faults = new FaultInjector();
  const requests = new RequestLog();
  const credentials = new Credentials(version, () => Date.now());
  const defaultDuration = options.defaultTaskDurationMs ?? 50;
  const tasks = new TaskManager(state, faults, {
    durationFor: (type) => options.taskDurations?.[type] ?? defaultDuration,
  });
  const cert = useTls ? await createSelfSignedCert(host) : undefined;
  const runtime: SimRuntime = {
    version,
    catalog,
    state,
    tasks,
    credentials,
    config: {
      agentStartDelayMs: options.agentStartDelayMs ?? 0,
      execDurationMs: options.execDurationMs ?? 20,
      tlsFingerprint: cert?.fingerprint ?? "",
    },
    poolOf: (vmid) => state.vms.get(vmid)?.pool,
  };
  const handle = createPipeline({
    runtime,
    routes: [...ALL_ROUTES],
    faults,
    requests,
    authFailureDelayMs: options.authFailureDelayMs ?? 0,
  });
  const listener = (req: Parameters<typeof handle>[0], res: Parameters<typeof handle>[1]) => {
    handle(req, res).catch(() => res.destroy());
  };
  const server: Server = cert
    ? createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, listener)
    : createHttpServer(listener);
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("clientError", (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const token = credentials.addToken({
    tokenId: DEFAULT_TOKEN_ID,
    acl: [{ path: "/", privs: [...PRIVILEGES[version]], propagate: true }],
  });

  return {
    url: `${cert ? "https" : "http"}://${urlHost}:${port}`,
    tokenId: token.tokenId,
    tokenSecret: token.secret,
    fingerprint: cert?.fingerprint ?? "",
    caPem: cert?.certPem ?? "",
    pveVersion: version,
    state,
    faults,
    requests,
    addToken: (opts) => credentials.addToken(opts),
    addUser: (opts) => credentials.addUser(opts),
    validate: (method, path, params) => validateRequest(catalog, method, path, params),
    close: async () => {
      tasks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

function validateRequest(
  catalog: SchemaCatalog,
  method: string,
  path: string,
  params: Record<string, unknown>,
): ValidationOutcome {
  const upper = method.toUpperCase();
  const relative = path.startsWith("/api2/json") ? path.slice("/api2/json".length) : path;
  const segments = splitPath(relative);
  const match = catalog.match(upper, segments);
  const dropped = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null));
  if (!match)
    return { ok: false, status: 501, message: `Method '${upper} /${segments.join("/")}' not implemented` };
  try {
    const result = validateParameters(match.route.info, mergeParams(match, dropped, {}));
    if (result.ok) return { ok: true };
    return { ok: false, status: 400, message: "Parameter verification failed.\n", errors: result.errors };
  } catch (e) {
    const err = e as { status?: number; message: string; errors?: Record<string, string> };
    return {
      ok: false,
      status: err.status ?? 400,
      message: err.message,
      ...(err.errors ? { errors: err.errors } : {}),
    };
  }
}
