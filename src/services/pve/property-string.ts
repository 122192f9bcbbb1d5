/**
 * PVE's property strings (`virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=20`, `ip=10.0.0.5/24,gw=10.0.0.1`):
 * `key=value` parts, the bare first value (`scsi0`'s volume, `cpu`'s type) under "".
 */
export function propertyString(value: string | number | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [i, part] of String(value ?? "")
    .split(",")
    .entries()) {
    const eq = part.indexOf("=");
    if (eq < 0 && i === 0) out.set("", part);
    else if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}
