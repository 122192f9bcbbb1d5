/**
 * The package managers the bot drives through the guest agent: which one a guest has (from `get-osinfo`),
 * how it lists pending updates (and which of them are security fixes, where it can say), how it upgrades
 * without asking, and how it tells that a reboot is needed. Every command is one `sh -c` script, so a
 * plan costs one exec per VM and an upgrade one more.
 */
import type { AgentOsInfo } from "../proxmox.js";

export type ManagerName = "apt" | "dnf" | "zypper" | "apk" | "pacman";

export interface PendingPackage {
  name: string;
  from?: string;
  to: string;
  security: boolean;
}

export interface ManagerPlan {
  pending: PendingPackage[];
  /** true/false where the guest says so; undefined where the distribution has no marker. */
  rebootRequired: boolean | undefined;
}

export interface PackageManager {
  name: ManagerName;
  /** Whether the manager can tell security updates apart (and so take `--security-only`). */
  knowsSecurity: boolean;
  /** Refreshes the index, lists pending updates and prints the reboot marker after `MARK`. */
  planScript: string;
  parsePlan(out: string): ManagerPlan;
  /** Non-interactive upgrade; `security` restricts it to security fixes (only when knowsSecurity). */
  upgradeScript(options: { security: boolean; securityPackages: string[] }): string;
  /** Exit codes of the upgrade that still mean success (zypper's 102: installed, reboot needed). */
  okExit: readonly number[];
  /** Prints `yes` or `no`: does the guest want a reboot? Absent where the distribution keeps no marker. */
  rebootScript?: string;
}

const MARK = "@@chatops-reboot@@";
const APT_REBOOT = "test -f /var/run/reboot-required && echo yes || echo no";
const DNF_REBOOT = "needs-restarting -r >/dev/null 2>&1 && echo no || echo yes";
const ZYPPER_REBOOT = "zypper needs-rebooting >/dev/null 2>&1 && echo no || echo yes";
const SECTION = "@@chatops-security@@";
/** Packages whose update needs a reboot where the distribution keeps no marker (apk, pacman). */
const KERNEL = /^(linux|linux-lts|linux-virt|linux-zen|linux-hardened|kernel)$/;

function split(out: string): { list: string[]; security: string[]; reboot: string } {
  const [body = "", reboot = ""] = out.split(MARK);
  const [list = "", security = ""] = body.split(SECTION);
  const lines = (t: string) =>
    t
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
  return { list: lines(list), security: lines(security), reboot: reboot.trim() };
}

const rebootFlag = (reboot: string) => (reboot === "" ? undefined : reboot === "yes");

const apt: PackageManager = {
  name: "apt",
  knowsSecurity: true,
  planScript: `DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1; apt list --upgradable 2>/dev/null; echo ${MARK}; ${APT_REBOOT}`,
  rebootScript: APT_REBOOT,
  parsePlan(out) {
    const { list, reboot } = split(out);
    const pending = list.flatMap((line) => {
      const m = /^([^/\s]+)\/(\S+)\s+(\S+)\s+\S+\s+\[upgradable from: ([^\]]+)\]/.exec(line);
      if (!m) return [];
      return [
        {
          name: m[1]!,
          to: m[3]!,
          from: m[4]!,
          security: m[2]!.split(",").some((s) => s.endsWith("-security")),
        },
      ];
    });
    return { pending, rebootRequired: rebootFlag(reboot) };
  },
  upgradeScript: ({ security, securityPackages }) =>
    security
      ? `DEBIAN_FRONTEND=noninteractive apt-get install --only-upgrade -y -o Dpkg::Options::=--force-confold ${securityPackages.join(" ")} 2>&1`
      : "DEBIAN_FRONTEND=noninteractive apt-get -y -o Dpkg::Options::=--force-confold dist-upgrade 2>&1",
  okExit: [0],
};

const dnf: PackageManager = {
  name: "dnf",
  knowsSecurity: true,
  planScript: `dnf -q check-update 2>/dev/null; echo ${SECTION}; dnf -q updateinfo list --security 2>/dev/null; echo ${MARK}; ${DNF_REBOOT}`,
  rebootScript: DNF_REBOOT,
  parsePlan(out) {
    const { list, security, reboot } = split(out);
    const secure = new Set(
      security.flatMap((l) => {
        const nevra = l.split(/\s+/)[2] ?? "";
        const m = /^(.+)-[^-]+-[^-]+\.[^.]+$/.exec(nevra);
        return m ? [m[1]!] : [];
      }),
    );
    const pending = list.flatMap((line) => {
      const [pkg = "", to = ""] = line.split(/\s+/);
      const dot = pkg.lastIndexOf(".");
      if (dot <= 0 || to === "" || line.startsWith("Obsoleting")) return [];
      const name = pkg.slice(0, dot);
      return [{ name, to, security: secure.has(name) }];
    });
    return { pending, rebootRequired: rebootFlag(reboot) };
  },
  upgradeScript: ({ security }) => `dnf -y upgrade${security ? " --security" : ""} 2>&1`,
  okExit: [0],
};

const zypper: PackageManager = {
  name: "zypper",
  knowsSecurity: true,
  planScript: `zypper --non-interactive --quiet refresh >/dev/null 2>&1; zypper --non-interactive --quiet list-updates; echo ${SECTION}; zypper --non-interactive --quiet list-patches --category security; echo ${MARK}; ${ZYPPER_REBOOT}`,
  rebootScript: ZYPPER_REBOOT,
  parsePlan(out) {
    const { list, security, reboot } = split(out);
    const secure = new Set(
      security.flatMap((l) => {
        const m = /update for (\S+)\s*$/i.exec(l);
        return m ? [m[1]!] : [];
      }),
    );
    const pending = list.flatMap((line) => {
      const cols = line.split("|").map((c) => c.trim());
      if (cols.length < 5 || cols[0] !== "v") return [];
      const name = cols[2]!;
      return [{ name, from: cols[3]!, to: cols[4]!, security: secure.has(name) }];
    });
    return { pending, rebootRequired: rebootFlag(reboot) };
  },
  upgradeScript: ({ security }) =>
    security
      ? "zypper --non-interactive patch --category security 2>&1"
      : "zypper --non-interactive update --auto-agree-with-licenses 2>&1",
  okExit: [0, 102, 103],
};

const apk: PackageManager = {
  name: "apk",
  knowsSecurity: false,
  planScript: `apk update >/dev/null 2>&1; apk version -l '<'; echo ${MARK}`,
  parsePlan(out) {
    const { list } = split(out);
    const pending = list.flatMap((line) => {
      const m = /^(\S+)-([^-\s]+-r\d+)\s+<\s+(\S+)/.exec(line);
      return m ? [{ name: m[1]!, from: m[2]!, to: m[3]!, security: false }] : [];
    });
    return { pending, rebootRequired: pending.some((p) => KERNEL.test(p.name)) || undefined };
  },
  upgradeScript: () => "apk upgrade --no-interactive 2>&1",
  okExit: [0],
};

const pacman: PackageManager = {
  name: "pacman",
  knowsSecurity: false,
  planScript: `pacman -Sy >/dev/null 2>&1; pacman -Qu; echo ${MARK}`,
  parsePlan(out) {
    const { list } = split(out);
    const pending = list.flatMap((line) => {
      const m = /^(\S+)\s+(\S+)\s+->\s+(\S+)/.exec(line);
      return m ? [{ name: m[1]!, from: m[2]!, to: m[3]!, security: false }] : [];
    });
    return { pending, rebootRequired: pending.some((p) => KERNEL.test(p.name)) || undefined };
  },
  upgradeScript: () => "pacman -Syu --noconfirm 2>&1",
  okExit: [0],
};

const BY_OS: Array<[RegExp, PackageManager]> = [
  [/^(debian|ubuntu|raspbian|linuxmint|pop|kali)$/, apt],
  [/^(rocky|almalinux|centos|rhel|fedora|ol|amzn)$/, dnf],
  [/^(opensuse.*|sles|sled|sle-micro)$/, zypper],
  [/^alpine$/, apk],
  [/^(arch|archarm|manjaro|endeavouros)$/, pacman],
];

/** A manager by the name a rollout recorded for the VM. */
export function managerByName(name: string | undefined): PackageManager | undefined {
  return [apt, dnf, zypper, apk, pacman].find((m) => m.name === name);
}

/** The package manager of a guest, or undefined for a distribution the bot does not know. */
export function managerFor(os: AgentOsInfo): PackageManager | undefined {
  const id = (os.id ?? "").toLowerCase();
  return BY_OS.find(([re]) => re.test(id))?.[1];
}

/** After an upgrade on a distribution without a marker: did a kernel package change? */
export function kernelUpdated(pending: readonly PendingPackage[]): boolean {
  return pending.some((p) => KERNEL.test(p.name) || /^(linux-image|kernel-default|kernel-core)/.test(p.name));
}
