/**
 * Where suggested values come from, one source per kind of argument: the image catalog (distro keys),
 * /cluster/resources (templates, VMs; one call each), the node list, the job queue. A kind without its
 * service (no Proxmox configured) has no source and suggests nothing. Alert ids come from the alerts side,
 * which passes its own source in (`SuggestSources.alert`).
 */
import type { CommandServices, SuggestKind } from "../../commands/definition.js";

export interface Suggestion {
  /** What the option is set to: a distro key, a VMID, a node name, a job id. */
  value: string;
  /** What the user reads; the value when absent. */
  label?: string;
}

/** Reads the current values of one kind; cached by the caller, so it may be a full read. */
export type SuggestSource = () => Promise<Suggestion[]>;

export type SuggestSources = Partial<Record<SuggestKind, SuggestSource>>;

/** How many recent jobs are offered. */
const JOBS_OFFERED = 50;

export function serviceSources(services: CommandServices): SuggestSources {
  const sources: SuggestSources = {};
  const catalog = services.imageCatalog;
  if (catalog) {
    sources.distro = async () =>
      catalog.all().map((e) => ({ value: e.key, label: `${e.key} · ${e.name} ${e.version} (${e.arch})` }));
  }
  const proxmox = services.proxmox;
  if (proxmox) {
    const guests = async (templates: boolean) =>
      (await proxmox.clusterResources("vm")).flatMap((r) =>
        r.type === "qemu" && r.template === templates
          ? [
              {
                value: String(r.vmid),
                label: `${r.vmid} · ${r.name ?? "(no name)"} · ${templates ? "" : `${r.status}, `}${r.node}`,
              },
            ]
          : [],
      );
    sources.vm = () => guests(false);
    sources.template = () => guests(true);
    sources.node = async () =>
      (await proxmox.nodes()).map((n) => ({ value: n.node, label: `${n.node} · ${n.status}` }));
  }
  sources.job = async () =>
    (await services.jobs.list({ limit: JOBS_OFFERED })).map((j) => ({
      value: j.id,
      label: `${j.id} · ${j.title} · ${j.state}`,
    }));
  return sources;
}
