/**
 * Sizes as people type them (`4G`, `512M`, `1T`) for memory and disks. Memory ends in MiB (PVE's unit for
 * `memory`), disks in whole GiB (what `resize` and the Terraform provider take). A bare number is MiB for
 * memory and GiB for disks, as in the rest of the bot's config.
 */
import { z } from "zod";

const SIZE = /^(\d+(?:\.\d+)?)([KMGT])?i?B?$/i;
const MIB_PER: Record<string, number> = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 };

function mibOf(text: string, bareUnit: "M" | "G"): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * MIB_PER[(m[2] ?? bareUnit).toUpperCase()]!;
}

export const MEMORY_MIN_MIB = 64;
export const MEMORY_MAX_MIB = 4 * 1024 * 1024;
export const DISK_MAX_GIB = 128 * 1024;

/** `4G`, `4096M`, `4096` (MiB) → MiB, whole and within PVE's memory range. */
export const memorySize = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const mib = typeof v === "number" ? v : mibOf(v, "M");
  if (mib === undefined || !Number.isInteger(mib) || mib < MEMORY_MIN_MIB || mib > MEMORY_MAX_MIB) {
    ctx.addIssue({
      code: "custom",
      message: `a memory size like 4G or 512M, whole MiB from ${MEMORY_MIN_MIB}M to 4T`,
    });
    return z.NEVER;
  }
  return mib;
});

/** `40G`, `1T`, `40` (GiB) → whole GiB. */
export const diskSize = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const mib = typeof v === "number" ? v * 1024 : mibOf(v, "G");
  const gib = mib === undefined ? undefined : mib / 1024;
  if (gib === undefined || !Number.isInteger(gib) || gib < 1 || gib > DISK_MAX_GIB) {
    ctx.addIssue({ code: "custom", message: "a disk size in whole GiB like 40G or 1T" });
    return z.NEVER;
  }
  return gib;
});

/** The bytes of a PVE size option (`size=3584M`, `32G`); undefined when it is not one. */
export function pveSizeBytes(text: string): number | undefined {
  const mib = mibOf(text, "G");
  return mib === undefined ? undefined : Math.round(mib * 1024 * 1024);
}

export function formatMemory(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
}
