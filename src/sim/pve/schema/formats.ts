/**
 * PVE's named string formats (pve-common `JSONSchema.pm`, pve-storage, qemu-server), re-implemented from
 * their documented rules. Each checker returns the handler's message, or undefined when the value is
 * valid. Formats that are not listed here are accepted unchecked: the bot never sends them, and a
 * wrong guess would reject requests real PVE accepts.
 */
type Checker = (value: string) => string | undefined;

const CONFIG_ID = /^[a-z][a-z0-9_-]+$/i;
const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const NODE = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const VOLUME_ID = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i;
const DNS_LABEL = "([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)";
const DNS_NAME = new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`);
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:]+(:(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})?$/i;
const TAG = /^[a-z0-9_][a-z0-9_\-+.]*$/i;
const STORAGE_CONTENT = new Set([
  "images",
  "rootdir",
  "vztmpl",
  "iso",
  "backup",
  "snippets",
  "import",
  "none",
]);

function isIp(value: string): boolean {
  return IPV4.test(value) || (value.includes(":") && IPV6.test(value));
}

function isCidr(value: string, family?: 4 | 6): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(value);
  if (!m) return false;
  const [, ip, bits] = m as unknown as [string, string, string];
  const v4 = IPV4.test(ip);
  const v6 = !v4 && ip.includes(":") && IPV6.test(ip);
  if (family === 4 && !v4) return false;
  if (family === 6 && !v6) return false;
  return Number(bits) > 7 && ((v4 && Number(bits) <= 32) || (v6 && Number(bits) <= 128));
}

/** PVE `split_list`: list formats accept commas, semicolons and whitespace as separators. */
export function splitList(value: string): string[] {
  return value.split(/[,;\s]+/).filter((s) => s.length > 0);
}

function keyValues(value: string): Map<string, string> | string {
  const out = new Map<string, string>();
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return `missing key in comma-separated list property`;
    const key = part.slice(0, eq);
    if (out.has(key)) return `duplicate key in comma-separated list property: ${key}`;
    out.set(key, part.slice(eq + 1));
  }
  return out;
}

const checkIpConfig: Checker = (value) => {
  const kv = keyValues(value);
  if (typeof kv === "string") return kv;
  for (const [key, v] of kv) {
    if (key === "ip" && v !== "dhcp" && !isCidr(v, 4)) return `invalid IPv4 address/CIDR '${v}'`;
    if (key === "ip6" && v !== "dhcp" && v !== "auto" && !isCidr(v, 6))
      return `invalid IPv6 address/CIDR '${v}'`;
    if (key === "gw" && !IPV4.test(v)) return `invalid IPv4 gateway '${v}'`;
    if (key === "gw6" && !IPV6.test(v)) return `invalid IPv6 gateway '${v}'`;
    if (!["ip", "ip6", "gw", "gw6"].includes(key))
      return `invalid key in comma-separated list property: ${key}`;
  }
  if (kv.has("gw") && !kv.has("ip")) return "gateway specified without specifying an IP address";
  return undefined;
};

const checkBoot: Checker = (value) => {
  const kv = value.includes("=") ? keyValues(value) : new Map([["legacy", value]]);
  if (typeof kv === "string") return kv;
  for (const [key, v] of kv) {
    if (key === "legacy" && !/^[acdn]{1,4}$/.test(v)) return "value does not match the regex pattern";
    if (key === "order") {
      for (const dev of v.split(";")) {
        if (!/^(ide|sata|scsi|virtio|net|efidisk|tpmstate|hostpci|usb)\d+$/.test(dev)) {
          return `invalid boot device '${dev}'`;
        }
      }
    }
    if (key !== "legacy" && key !== "order") return `invalid key in comma-separated list property: ${key}`;
  }
  return undefined;
};

const volumeId: Checker = (v) => (VOLUME_ID.test(v) ? undefined : `unable to parse volume ID '${v}'`);

const CHECKERS: Record<string, Checker> = {
  "pve-vmid": (v) => (/^[1-9][0-9]{2,8}$/.test(v) ? undefined : "value does not look like a valid VM ID"),
  "pve-node": (v) => (NODE.test(v) ? undefined : "value does not look like a valid node name"),
  "pve-storage-id": (v) => (STORAGE_ID.test(v) ? undefined : `storage ID '${v}' contains illegal characters`),
  "pve-configid": (v) => (CONFIG_ID.test(v) ? undefined : `invalid configuration ID '${v}'`),
  "pve-poolid": (v) =>
    /^[A-Za-z0-9_\-.]+$/.test(v) ? undefined : `pool name '${v}' contains invalid characters`,
  "pve-realm": (v) =>
    /^[A-Za-z][A-Za-z0-9.\-_]+$/.test(v) ? undefined : `realm ID '${v}' contains illegal characters`,
  "dns-name": (v) => (DNS_NAME.test(v) ? undefined : "value does not look like a valid DNS name"),
  urlencoded: (v) => (/^[-%a-zA-Z0-9_.!~*'()]*$/.test(v) ? undefined : `invalid urlencoded string: ${v}`),
  "pve-tag": (v) => (TAG.test(v) ? undefined : "invalid characters in tag"),
  "pve-storage-content": (v) => (STORAGE_CONTENT.has(v) ? undefined : `invalid content type '${v}'`),
  "pve-volume-id": volumeId,
  "pve-volume-id-or-qm-path": (v) =>
    v === "none" || v === "cdrom" || v.startsWith("/") ? undefined : volumeId(v),
  "pve-volume-id-or-absolute-path": (v) => (v.startsWith("/") ? undefined : volumeId(v)),
  "disk-size": (v) =>
    /^\d+(\.\d+)?[KMGT]?$/.test(v) ? undefined : `value does not look like a valid disk size: ${v}`,
  "pve-bridge-id": (v) => (/^[-_.\w\d]+$/.test(v) ? undefined : `invalid bridge ID '${v}'`),
  "mac-addr": (v) =>
    /^[a-f0-9][02468ace](:[a-f0-9]{2}){5}$/i.test(v)
      ? undefined
      : "value does not look like a valid unicast MAC address",
  CIDR: (v) => (isCidr(v) ? undefined : "value does not look like a valid CIDR network"),
  ip: (v) => (isIp(v) ? undefined : "value does not look like a valid IP address"),
  "pve-qm-ipconfig": checkIpConfig,
  "pve-qm-boot": checkBoot,
};

/** Checks `value` against the named format; `-list` formats check every element. */
export function checkNamedFormat(format: string, value: string): string | undefined {
  const direct = CHECKERS[format];
  if (direct) return direct(value);
  const listOf = /^(.+)-list$/.exec(format);
  if (listOf) {
    const element = listOf[1] === "address" ? CHECKERS["ip"] : CHECKERS[listOf[1]!];
    if (!element) return undefined;
    for (const item of splitList(value)) {
      const err = element(item);
      if (err) return err;
    }
  }
  return undefined;
}

/** Exposed for handlers that re-check a sub-value (e.g. `import-from` after parsing a disk string). */
export const formatPatterns = { CONFIG_ID, STORAGE_ID, NODE, VOLUME_ID, TAG };
