/**
 * IPv4 addresses and the configured networks static addresses must come from. A VM given `--ip` gets an
 * address inside one of `provision.networks`; with `--count` the addresses follow one another, and every
 * one of them must still be inside that network (not its network or broadcast address).
 */
import { z } from "zod";
import { UserError } from "../errors.js";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export const ipv4 = z.string().regex(IPV4, "an IPv4 address like 10.0.0.1");
export const cidr = z.string().refine((v) => {
  const [ip = "", prefix = ""] = v.split("/");
  return IPV4.test(ip) && /^\d+$/.test(prefix) && Number(prefix) >= 8 && Number(prefix) <= 32;
}, "an IPv4 address with a prefix like 10.0.0.5/24");

export const networkSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/i, "a network name like lab"),
    cidr: cidr.describe("The network, e.g. 10.20.0.0/24"),
    gateway: ipv4.optional().describe("Default gateway when --gw is not given"),
    bridge: z.string().optional().describe("Bridge VMs on this network use"),
    vlan: z.number().int().min(1).max(4094).optional(),
  })
  .strict();
export type NetworkConfig = z.infer<typeof networkSchema>;

interface Range {
  base: number;
  prefix: number;
  first: number;
  last: number;
}

function rangeOf(text: string): Range {
  const [ip = "", prefixText = "32"] = text.split("/");
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ipToInt(ip) / size) * size;
  // /31 and /32 have no network or broadcast address to skip.
  return prefix >= 31
    ? { base, prefix, first: base, last: base + size - 1 }
    : { base, prefix, first: base + 1, last: base + size - 2 };
}

const inside = (r: Range, n: number) => n >= r.first && n <= r.last;

export interface StaticAddress {
  /** `10.20.0.5/24`, as ipconfig0 takes it. */
  cidr: string;
  gateway?: string;
  network: NetworkConfig;
}

/**
 * The `count` consecutive addresses starting at `ip` (CIDR), each inside one configured network with the
 * same prefix; the gateway defaults to the network's and must be inside it too.
 */
export function staticAddresses(
  networks: readonly NetworkConfig[],
  ip: string,
  count: number,
  gateway?: string,
): StaticAddress[] {
  if (!cidr.safeParse(ip).success) {
    throw new UserError("E_ARGS", `--ip ${ip} is not dhcp or an address with prefix like 10.20.0.5/24`);
  }
  const [address = "", prefix = ""] = ip.split("/");
  const start = ipToInt(address);
  const network = networks.find((n) => {
    const r = rangeOf(n.cidr);
    return r.prefix === Number(prefix) && inside(r, start);
  });
  if (!network) {
    const known = networks.map((n) => `${n.name} ${n.cidr}`).join(", ");
    throw new UserError(
      "E_ARGS",
      `--ip ${ip} is outside the configured networks (${known || "none: an admin sets provision.networks"})`,
    );
  }
  const range = rangeOf(network.cidr);
  const lastWanted = start + count - 1;
  if (!inside(range, lastWanted)) {
    throw new UserError(
      "E_ARGS",
      `--count ${count} from ${address} runs past the end of network ${network.name} (${network.cidr})`,
    );
  }
  const gw = gateway ?? network.gateway;
  if (gw !== undefined) {
    if (!ipv4.safeParse(gw).success) throw new UserError("E_ARGS", `--gw ${gw} is not an IPv4 address`);
    if (!inside(range, ipToInt(gw))) {
      throw new UserError("E_ARGS", `gateway ${gw} is outside network ${network.name} (${network.cidr})`);
    }
    const taken = ipToInt(gw);
    if (taken >= start && taken <= lastWanted) {
      throw new UserError("E_ARGS", `gateway ${gw} is one of the addresses the new VMs would get`);
    }
  }
  return Array.from({ length: count }, (_, i) => ({
    cidr: `${intToIp(start + i)}/${prefix}`,
    ...(gw !== undefined ? { gateway: gw } : {}),
    network,
  }));
}
