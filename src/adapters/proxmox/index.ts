export { createProxmoxClient, type ProxmoxClient, type ProxmoxClientDeps } from "./client.js";
export { type ProxmoxConfig, type ProxmoxConfigInput, proxmoxConfigSchema } from "./config.js";
export { createVersionGate, isSupported, type Readiness, type VersionGate } from "./version.js";
