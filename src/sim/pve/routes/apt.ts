import { ownerOf, type RequestContext, type RouteDefinition, str } from "./types.js";

interface HostPackage {
  Package: string;
  Version: string;
  OldVersion: string;
  Title: string;
}

/** Host (PVE node) packages with a pending update; fixed per release so tests are deterministic. */
function hostUpdates(ctx: RequestContext): HostPackage[] {
  const manager = ctx.rt.state.managerVersion;
  const [major, minor, patch] = manager.split(".").map(Number) as [number, number, number];
  return [
    {
      Package: "pve-manager",
      Version: `${major}.${minor}.${patch + 1}`,
      OldVersion: manager,
      Title: "Proxmox Virtual Environment Management Tools",
    },
    {
      Package: "libpve-common-perl",
      Version: `${major}.${minor}.4`,
      OldVersion: `${major}.${minor}.3`,
      Title: "Proxmox VE base library",
    },
  ];
}

function listUpdates(ctx: RequestContext) {
  ctx.rt.state.node(str(ctx.params, "node")!);
  return hostUpdates(ctx).map((p) => ({
    ...p,
    Description: p.Title,
    Origin: "Proxmox",
    Priority: "optional",
    Section: "admin",
    Arch: "amd64",
  }));
}

function refresh(ctx: RequestContext) {
  const node = str(ctx.params, "node")!;
  ctx.rt.state.node(node);
  const suite = ctx.rt.version === "9.1" ? "trixie" : "bookworm";
  return ctx.rt.tasks.spawn({
    node,
    type: "aptupdate",
    id: "",
    owner: ownerOf(ctx.principal),
    finish: (t) => {
      t.log("starting apt-get update");
      t.log(`Hit:1 http://deb.debian.org/debian ${suite} InRelease`);
      t.log(`Hit:2 http://download.proxmox.com/debian/pve ${suite} InRelease`);
      t.log("Reading package lists...");
    },
  });
}

function versions(ctx: RequestContext) {
  const node = ctx.rt.state.node(str(ctx.params, "node")!);
  const release = node.managerVersion.split(".").slice(0, 2).join(".");
  const row = (Package: string, Version: string, Title: string) => ({
    Package,
    Version,
    Title,
    Description: Title,
    CurrentState: "Installed",
    Origin: "Proxmox",
    Priority: "optional",
    Section: "admin",
    Arch: "amd64",
  });
  return [
    {
      ...row("proxmox-ve", release, "Proxmox Virtual Environment"),
      RunningKernel: node.kernel,
      ManagerVersion: node.managerVersion,
    },
    row("pve-manager", node.managerVersion, "Proxmox Virtual Environment Management Tools"),
    row("qemu-server", `${release}.2`, "Qemu Server Tools"),
  ];
}

export const aptRoutes: RouteDefinition[] = [
  { method: "GET", path: "/nodes/{node}/apt/update", handler: listUpdates },
  { method: "POST", path: "/nodes/{node}/apt/update", handler: refresh },
  { method: "GET", path: "/nodes/{node}/apt/versions", handler: versions },
];
