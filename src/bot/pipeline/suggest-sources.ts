/**
 * Where suggested values come from, one source per kind of argument: the image catalog (distro keys),
 * /cluster/resources (templates, VMs; one call each), the node list, the job queue. A kind without its
 * service (no Proxmox configured) has no source and suggests nothing. Alert ids come from the alert store,
 * open groups first (what someone is about to ack or silence).
 */
import type { CommandServices, SuggestKind } from "../../commands/definition.js";
import { groupState } from "../../services/alerts/model.js";

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
/** How many recent alert groups are read for suggestions. */
const ALERTS_OFFERED = 100;

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
  const alerts = services.alerts;
  if (alerts) {
    sources.alert = async () => {
      const now = Date.now();
      const groups = await alerts.store.list({ limit: ALERTS_OFFERED }, now);
      return groups
        .map((g) => ({ g, state: groupState(g, now) }))
        .sort((a, b) => Number(a.state === "resolved") - Number(b.state === "resolved"))
        .map(({ g, state }) => ({
          value: g.id,
          label: `${g.id} · ${g.commonLabels["alertname"] ?? g.groupKey} · ${state}`,
        }));
    };
  }
  sources.job = async () =>
    (await services.jobs.list({ limit: JOBS_OFFERED })).map((j) => ({
      value: j.id,
      label: `${j.id} · ${j.title} · ${j.state}`,
    }));
  return sources;
}
