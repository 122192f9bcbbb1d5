import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { AccessConfig, type PoolDirectory } from "./access/config.js";
import { DOCUMENTED_TOKEN, documentedSetup } from "./access/documented-setup.js";
import { applyPveum } from "./access/pveum.js";
import { Credentials } from "./auth/credentials.js";
import { FaultInjector, RequestLog } from "./faults.js";
import { createPipeline, mergeParams } from "./http/pipeline.js";
import { ALL_ROUTES } from "./routes/index.js";
import type { SimRuntime } from "./routes/types.js";
import { ApiSchema, splitPath } from "./schema/api-schema.js";
import type { PveVersion } from "./schema/types.js";
import { validateParameters } from "./schema/validate.js";
import { type ClusterFixture, defaultFixture, parseFixture } from "./state/fixture.js";
import { seedCluster } from "./state/seed.js";
import { SimState } from "./state/state.js";
import { type TaskEndListener, TaskManager } from "./tasks.js";
import { createSelfSignedCert } from "./tls.js";

export { AccessConfig } from "./access/config.js";
export { DOCUMENTED_TOKEN, DOCUMENTED_USER } from "./access/documented-setup.js";
export type { DropFault, LatencyFault, RequestFault, RequestLogEntry, TaskFault } from "./faults.js";
export { FaultInjector, RequestLog } from "./faults.js";
export type { PveVersion } from "./schema/types.js";
export type { ClusterFixture } from "./state/fixture.js";
export { SimState } from "./state/state.js";
export type { TaskEndListener } from "./tasks.js";

export interface SimOptions {
  host?: string;
  port?: number;
  tls?: boolean;
  pveVersion?: PveVersion;
  fixture?: ClusterFixture;
  /**
   * A generated cluster instead of the fixture: this many nodes (`pve01`…) and guests, laid out from
   * `seed` (see state/seed.ts). Giving either with `fixture` is refused.
   */
  nodes?: number;
  vms?: number;
  seed?: number;
  /** ms by PVE task type (`qmclone`, `download`, …). */
  taskDurations?: Partial<Record<string, number>>;
  defaultTaskDurationMs?: number;
  /** Time from VM start until its guest agent answers; default 0. */
  agentStartDelayMs?: number;
  /** How long `agent/exec` processes run before `exited: 1`; default 20 ms. */
  execDurationMs?: number;
  /**
   * The cluster's clock in ms (guest agent boot, exec completion, task and volume times); default
   * `Date.now`. A test that owns the clock can step past a delay instead of sleeping through it.
   */
  clock?: () => number;
  /** pveproxy delays failed logins by 3 s; default 0 here to keep tests fast. */
  authFailureDelayMs?: number;
  /**
   * Which of docs/PROXMOX.md's setups creates the default user and token `chatops@pve!bot`: the full
   * least-privilege setup for the version (default) or the read-only one.
   */
  access?: "documented" | "read-only";
}

/** Privileges granted on a path, for tests that need a token other than the documented one. */
export interface PrivilegeGrant {
  path: string;
  privs: string[];
  /** Whether the grant also applies below `path` (PVE default: yes). */
  propagate?: boolean;
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
  /** The simulated user.cfg: users, tokens, roles, ACL. */
  access: AccessConfig;
  /**
   * Adds an API token, creating its user when missing. `acl` grants the privileges to both the token and
   * its user (so they are the token's effective privileges). A root-like token exists only when a test
   * asks for one by name: `addToken({ tokenId: "root@pam!admin", privsep: false })`.
   */
  addToken(opts: { tokenId: string; secret?: string; privsep?: boolean; acl?: PrivilegeGrant[] }): {
    tokenId: string;
    secret: string;
  };
  /** Adds a password user for `POST /access/ticket` (ticket + CSRF auth), with `acl` granted to it. */
  addUser(opts: { userid: string; password: string; acl?: PrivilegeGrant[] }): void;
  /** Runs `pveum` commands (the shell subset of docs/PROXMOX.md); returns the secrets of created tokens. */
  pveum(script: string): { tokens: { tokenId: string; secret: string }[] };
  /** Validates a request the way the server would, without sending it; returns PVE's 400/501 errors or ok. */
  validate(method: string, path: string, params: Record<string, unknown>): ValidationOutcome;
  /**
   * Calls `listener` as each task stops (OK, warnings or error); returns the unsubscribe. Lets a test
   * follow the simulated duration itself instead of guessing it with a wall-clock wait.
   */
  onTaskEnd(listener: TaskEndListener): () => void;
  /**
   * Keeps tasks of a PVE type (`resize`, `qmsnapshot`, …) started from now on running until the returned
   * release is called; each then runs its configured duration. A test that must see a task in progress
   * holds it instead of racing a short duration.
   */
  holdTasks(type: string): () => void;
  close(): Promise<void>;
}

const MANAGER_VERSION: Record<PveVersion, string> = { "9.1": "9.1.5", "8.4": "8.4.14" };

function poolDirectory(state: SimState): PoolDirectory {
  return {
    has: (pool) => state.pools.has(pool),
    add: (pool, comment) => state.pools.set(pool, { poolid: pool, ...(comment ? { comment } : {}) }),
    all: () => [...state.pools.keys()],
    memberPaths: (pool) =>
      [...state.vms.values()].filter((vm) => vm.pool === pool).map((vm) => `/vms/${vm.vmid}`),
    // One lookup per permission check: scanning every VM here made /cluster/resources quadratic.
    poolsOf: (path) => {
      const vmid = /^\/vms\/(\d+)$/.exec(path)?.[1];
      const pool = vmid === undefined ? undefined : state.vms.get(Number(vmid))?.pool;
      return pool === undefined ? [] : [pool];
    },
  };
}

/** Grants as custom roles, one per grant, to the given user or token (pveum's own way). */
function grant(access: AccessConfig, kind: "users" | "tokens", id: string, grants: PrivilegeGrant[]): void {
  for (const g of grants) {
    const role = `SimGrant${access.roles.size}`;
    applyPveum(
      access,
      `pveum role add ${role} --privs '${g.privs.join(",")}'\n` +
        `pveum acl modify ${g.path} --${kind} '${id}' --roles ${role} --propagate ${g.propagate === false ? 0 : 1}\n`,
    );
  }
}

function fixtureOf(options: SimOptions): ClusterFixture {
  const seeded = options.nodes !== undefined || options.vms !== undefined || options.seed !== undefined;
  if (!seeded) return options.fixture ?? defaultFixture();
  if (options.fixture) throw new Error("give either a fixture or nodes/vms/seed, not both");
  return seedCluster({ nodes: options.nodes ?? 3, vms: options.vms ?? 0, seed: options.seed });
}

/**
 * Starts a Proxmox VE API simulator on 127.0.0.1 (by default HTTPS with a fresh self-signed
 * certificate). Each call builds an independent cluster from the fixture; nothing is shared
 * between instances.
 */
export async function startPveSimulator(options: SimOptions = {}): Promise<PveSimulator> {
  const version = options.pveVersion ?? "9.1";
  const host = options.host ?? "127.0.0.1";
  const useTls = options.tls ?? true;
  const apiSchema = ApiSchema.load(version);
  for (const route of ALL_ROUTES) {
    if (!apiSchema.find(route.method, route.path)) {
      throw new Error(`simulator route ${route.method} ${route.path} is not in the PVE ${version} schema`);
    }
  }
  const state = new SimState(parseFixture(fixtureOf(options)), MANAGER_VERSION[version], options.clock);
  const faults = new FaultInjector();
  const requests = new RequestLog();
  const access = new AccessConfig(version, poolDirectory(state));
  // The pool is part of the documented setup; a fixture may already hold it with its VMs.
  const setup = documentedSetup(version, options.access === "read-only" ? "read-only" : "full").replace(
    /^pveum pool add (\S+).*\n/m,
    (line, pool: string) => (state.pools.has(pool) ? "" : line),
  );
  const documented = applyPveum(access, setup).tokens.find((t) => t.tokenId === DOCUMENTED_TOKEN);
  if (!documented) throw new Error(`the documented setup creates no token ${DOCUMENTED_TOKEN}`);
  const credentials = new Credentials(version, access, () => Date.now());
  const defaultDuration = options.defaultTaskDurationMs ?? 50;
  const tasks = new TaskManager(state, faults, {
    durationFor: (type) => options.taskDurations?.[type] ?? defaultDuration,
  });
  const cert = useTls ? await createSelfSignedCert(host) : undefined;
  const runtime: SimRuntime = {
    version,
    apiSchema,
    state,
    tasks,
    credentials,
    config: {
      agentStartDelayMs: options.agentStartDelayMs ?? 0,
      execDurationMs: options.execDurationMs ?? 20,
      tlsFingerprint: cert?.fingerprint ?? "",
    },
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
  const token = documented;

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
    access,
    addToken: (opts) => {
      const userid = opts.tokenId.slice(0, opts.tokenId.lastIndexOf("!"));
      if (userid.length > 0 && !access.users.has(userid)) access.addUser(userid);
      const created = access.addToken(opts.tokenId, { privsep: opts.privsep, secret: opts.secret });
      if (opts.acl) {
        grant(access, "users", userid, opts.acl);
        grant(access, "tokens", opts.tokenId, opts.acl);
      }
      return created;
    },
    addUser: (opts) => {
      if (!access.users.has(opts.userid)) access.addUser(opts.userid);
      access.setPassword(opts.userid, opts.password);
      if (opts.acl) grant(access, "users", opts.userid, opts.acl);
    },
    pveum: (script) => applyPveum(access, script),
    validate: (method, path, params) => validateRequest(apiSchema, method, path, params),
    onTaskEnd: (listener) => tasks.onEnd(listener),
    holdTasks: (type) => tasks.hold(type),
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
  apiSchema: ApiSchema,
  method: string,
  path: string,
  params: Record<string, unknown>,
): ValidationOutcome {
  const upper = method.toUpperCase();
  const relative = path.startsWith("/api2/json") ? path.slice("/api2/json".length) : path;
  const segments = splitPath(relative);
  const match = apiSchema.match(upper, segments);
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
