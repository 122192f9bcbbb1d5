/**
 * Files the configuration names (today `proxmox.tlsCaFile`) are read once while the configuration is
 * loaded, so `config check` and start-up refuse a missing, empty or non-PEM file with the key and the
 * path instead of the first Proxmox call failing later with a TLS error.
 */
import { isAbsolute, resolve } from "node:path";
import { caFileProblem, readCaFile } from "../../adapters/proxmox/ca-file.js";
import type { ConfigError } from "./env.js";

export function checkReferencedFiles(
  config: unknown,
  options: { cwd: string; readFile: (path: string) => string },
): ConfigError[] {
  const caFile = (config as { proxmox?: { tlsCaFile?: unknown } } | undefined)?.proxmox?.tlsCaFile;
  if (typeof caFile !== "string") return [];
  const absolute = isAbsolute(caFile) ? caFile : resolve(options.cwd, caFile);
  const result = readCaFile(absolute, options.readFile);
  return result.ok ? [] : [{ path: "proxmox.tlsCaFile", message: caFileProblem(absolute, result.reason) }];
}
