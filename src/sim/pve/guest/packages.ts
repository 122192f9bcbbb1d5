import type { GuestState, PackageState } from "../state/types.js";

export interface CommandResult {
  exitcode: number;
  out: string;
  err: string;
}

const ok = (out: string): CommandResult => ({ exitcode: 0, out, err: "" });
const KERNEL_PACKAGES =
  /^(kernel|linux-image|linux-generic|linux-lts|linux-virt|linux$|kernel-default|libc6|glibc|systemd)/;

export function pending(guest: GuestState): PackageState[] {
  return guest.packages.filter((p) => p.available !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Installs the pending updates `which` selects (all by default); kernel/libc/systemd updates make the
 * guest want a reboot, and a guest marked `upgradeDegrades` comes out with a failed unit.
 */
export function applyUpgrades(
  guest: GuestState,
  which: (p: PackageState) => boolean = () => true,
): PackageState[] {
  const upgraded = pending(guest).filter(which);
  for (const p of upgraded) {
    p.version = p.available!;
    delete p.available;
    delete p.security;
    if (KERNEL_PACKAGES.test(p.name)) guest.rebootRequired = true;
  }
  if (upgraded.length > 0 && guest.upgradeDegrades) guest.systemState = "degraded";
  return upgraded.map((p) => ({ ...p }));
}

const isSecurity = (p: PackageState) => p.security === true;

export function hasYes(args: string[]): boolean {
  return args.some((a) => a === "-y" || a === "--yes" || a === "--assume-yes" || /^-[a-z]*y[a-z]*$/.test(a));
}

/** apt's words without options; `-o Name=value`, `-c file` and `-t release` take the next word. */
function aptWords(args: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (["-o", "-c", "-t", "--option", "--config-file", "--target-release"].includes(args[i]!)) i++;
    else if (!args[i]!.startsWith("-")) words.push(args[i]!);
  }
  return words;
}

export function apt(guest: GuestState, args: string[]): CommandResult {
  const words = aptWords(args);
  const sub = words[0];
  const header = "Reading package lists...\nBuilding dependency tree...\nReading state information...\n";
  if (sub === "update") {
    guest.indexFresh = true;
    const suite = guest.os === "ubuntu" ? "noble" : "bookworm";
    const mirror =
      guest.os === "ubuntu" ? "http://archive.ubuntu.com/ubuntu" : "http://deb.debian.org/debian";
    return ok(
      `Hit:1 ${mirror} ${suite} InRelease\nGet:2 ${mirror} ${suite}-updates InRelease [126 kB]\nFetched 126 kB in 1s (180 kB/s)\nReading package lists...\n`,
    );
  }
  if (sub === "list" && args.includes("--upgradable")) {
    const suite = guest.os === "ubuntu" ? "noble" : "bookworm";
    const lines = pending(guest).map(
      (p) =>
        `${p.name}/${suite}-updates${p.security ? `,${suite}-security` : ""} ${p.available} amd64 [upgradable from: ${p.version}]`,
    );
    return ok(`Listing...\n${lines.map((l) => `${l}\n`).join("")}`);
  }
  if (sub === "install" && args.includes("--only-upgrade")) {
    const names = new Set(words.slice(1));
    if (!hasYes(args))
      return { exitcode: 1, out: `${header}Do you want to continue? [Y/n] Abort.\n`, err: "" };
    const done = applyUpgrades(guest, (p) => names.has(p.name));
    const setup = done.map((p) => `Setting up ${p.name} (${p.version}) ...\n`).join("");
    return ok(
      `${header}${done.length} upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n${setup}`,
    );
  }
  if (sub === "upgrade" || sub === "dist-upgrade" || sub === "full-upgrade") {
    const todo = pending(guest);
    if (todo.length === 0)
      return ok(
        `${header}Calculating upgrade...\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n`,
      );
    if (!hasYes(args)) {
      return { exitcode: 1, out: `${header}Do you want to continue? [Y/n] Abort.\n`, err: "" };
    }
    const broken = todo.find((p) => p.breaks);
    if (broken) {
      // dpkg unpacks everything, then the broken package's postinst fails: apt exits 100.
      applyUpgrades(guest, (p) => p !== broken);
      return {
        exitcode: 100,
        out: `${header}Setting up ${broken.name} (${broken.available}) ...\ndpkg: error processing package ${broken.name} (--configure):\n installed ${broken.name} package post-installation script subprocess returned error exit status 1\nErrors were encountered while processing:\n ${broken.name}\n`,
        err: "E: Sub-process /usr/bin/dpkg returned an error code (1)\n",
      };
    }
    const done = applyUpgrades(guest);
    const names = done.map((p) => p.name).join(" ");
    const setup = done.map((p) => `Setting up ${p.name} (${p.version}) ...\n`).join("");
    return ok(
      `${header}Calculating upgrade...\nThe following packages will be upgraded:\n  ${names}\n${done.length} upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n${setup}`,
    );
  }
  return { exitcode: 100, out: "", err: `E: Invalid operation ${sub ?? ""}\n` };
}

export function dnf(guest: GuestState, args: string[]): CommandResult {
  const sub = args.find((a) => !a.startsWith("-"));
  const arch = "x86_64";
  if (sub === "makecache") {
    guest.indexFresh = true;
    return ok("Metadata cache created.\n");
  }
  const securityOnly = args.includes("--security");
  if (sub === "updateinfo" && args.includes("list")) {
    const rows = pending(guest)
      .filter((p) => !securityOnly || p.security)
      .map(
        (p, i) =>
          `RLSA-2025:${1000 + i} ${p.security ? "Important/Sec." : "bugfix"} ${p.name}-${p.available}.${arch}\n`,
      );
    return ok(rows.join(""));
  }
  if (sub === "check-update") {
    guest.indexFresh = true;
    const todo = pending(guest).filter((p) => !securityOnly || p.security);
    const lines = todo.map((p) => `${p.name}.${arch}    ${p.available}    baseos\n`).join("");
    return { exitcode: todo.length > 0 ? 100 : 0, out: lines ? `\n${lines}` : "", err: "" };
  }
  if (sub === "upgrade" || sub === "update") {
    if (pending(guest).length === 0) return ok("Dependencies resolved.\nNothing to do.\nComplete!\n");
    if (!hasYes(args)) return { exitcode: 1, out: "Is this ok [y/N]: Operation aborted.\n", err: "" };
    const done = applyUpgrades(guest, securityOnly ? isSecurity : undefined);
    const lines = done.map((p) => `  ${p.name}-${p.version}.${arch}\n`).join("");
    return ok(`Dependencies resolved.\nUpgraded:\n${lines}\nComplete!\n`);
  }
  return { exitcode: 1, out: "", err: `No such command: ${sub ?? ""}. Please use /usr/bin/dnf --help\n` };
}

/** zypper exits 102 when an installed update needs a reboot (ZYPPER_EXIT_INF_REBOOT_NEEDED). */
export function zypper(guest: GuestState, args: string[]): CommandResult {
  const sub = args.find((a) => !a.startsWith("-"));
  const noninteractive = args.includes("--non-interactive") || args.includes("-n") || hasYes(args);
  if (sub === "refresh" || sub === "ref") {
    guest.indexFresh = true;
    return ok("Repository 'Main Repository' is up to date.\nAll repositories have been refreshed.\n");
  }
  if (sub === "list-updates" || sub === "lu") {
    const rows = pending(guest).map(
      (p) => `v | Main Update | ${p.name} | ${p.version} | ${p.available} | x86_64\n`,
    );
    return ok(rows.length ? rows.join("") : "No updates found.\n");
  }
  const securityOnly = args.includes("security") && (args.includes("--category") || args.includes("-g"));
  if (sub === "list-patches" || sub === "lp") {
    const rows = pending(guest)
      .filter((p) => !securityOnly || p.security)
      .map(
        (p, i) =>
          `Main Update | openSUSE-SLE-15.6-2025-${3000 + i} | ${p.security ? "security" : "recommended"} | important | --- | needed | ${p.security ? "Security" : "Recommended"} update for ${p.name}\n`,
      );
    return ok(rows.length ? rows.join("") : "No updates found.\n");
  }
  if (sub === "needs-rebooting") return { exitcode: guest.rebootRequired ? 102 : 0, out: "", err: "" };
  if (sub === "update" || sub === "up" || sub === "patch" || sub === "dup") {
    if (pending(guest).length === 0) return ok("Loading repository data...\nNothing to do.\n");
    if (!noninteractive)
      return { exitcode: 1, out: "Continue? [y/n/v/...? shows all options] (y): n\n", err: "" };
    const done = applyUpgrades(guest, securityOnly ? isSecurity : undefined);
    const list = done.map(
      (p, i) => `(${i + 1}/${done.length}) Installing: ${p.name}-${p.version}.x86_64 ...[done]\n`,
    );
    const out = `The following ${done.length} package${done.length === 1 ? " is" : "s are"} going to be upgraded:\n  ${done.map((p) => p.name).join(" ")}\n${list.join("")}`;
    return { exitcode: guest.rebootRequired ? 102 : 0, out, err: "" };
  }
  return { exitcode: 1, out: "", err: `Unknown command '${sub ?? ""}'\n` };
}

export function apk(guest: GuestState, args: string[]): CommandResult {
  const sub = args.find((a) => !a.startsWith("-"));
  const total = guest.packages.length;
  if (sub === "update") {
    guest.indexFresh = true;
    return ok(
      "fetch https://dl-cdn.alpinelinux.org/alpine/v3.22/main/x86_64/APKINDEX.tar.gz\n" +
        `v3.22.2 [https://dl-cdn.alpinelinux.org/alpine/v3.22/main]\nOK: ${total} distinct packages available\n`,
    );
  }
  if (sub === "upgrade") {
    const before = new Map(pending(guest).map((p) => [p.name, p.version]));
    const done = applyUpgrades(guest);
    const lines = done.map(
      (p, i) => `(${i + 1}/${done.length}) Upgrading ${p.name} (${before.get(p.name)} -> ${p.version})\n`,
    );
    return ok(`${lines.join("")}OK: 9 MiB in ${total} packages\n`);
  }
  if (sub === "version") {
    const rows = pending(guest).map((p) => `${p.name}-${p.version}  < ${p.available}\n`);
    return ok(`Installed:                                Available:\n${rows.join("")}`);
  }
  return { exitcode: 1, out: "", err: `apk: unknown command '${sub ?? ""}'\n` };
}

/** pacman: `-Sy` syncs, `-Qu` lists (`name old -> new`), `-Syu --noconfirm` upgrades. */
export function pacman(guest: GuestState, args: string[]): CommandResult {
  const flags = args.filter((a) => /^-[A-Za-z]+$/.test(a)).join("");
  if (flags.includes("Q") && flags.includes("u")) {
    const todo = pending(guest);
    return {
      exitcode: todo.length > 0 ? 0 : 1,
      out: todo.map((p) => `${p.name} ${p.version} -> ${p.available}\n`).join(""),
      err: "",
    };
  }
  if (flags.includes("S")) {
    guest.indexFresh = true;
    const sync = ":: Synchronizing package databases...\n core is up to date\n extra is up to date\n";
    if (!flags.includes("u")) return ok(sync);
    if (pending(guest).length === 0)
      return ok(`${sync}:: Starting full system upgrade...\n there is nothing to do\n`);
    if (!args.includes("--noconfirm"))
      return {
        exitcode: 1,
        out: `${sync}:: Proceed with installation? [Y/n] \n`,
        err: "error: failed to commit transaction\n",
      };
    const done = applyUpgrades(guest);
    const lines = done.map((p, i) => `(${i + 1}/${done.length}) upgrading ${p.name}\n`).join("");
    return ok(`${sync}:: Starting full system upgrade...\n${lines}`);
  }
  return { exitcode: 1, out: "", err: "error: no operation specified (use -h for help)\n" };
}

export const PACKAGE_MANAGERS: Record<string, { os: GuestState["os"][]; run: typeof apt }> = {
  "apt-get": { os: ["debian", "ubuntu"], run: apt },
  apt: { os: ["debian", "ubuntu"], run: apt },
  dnf: { os: ["rocky", "fedora"], run: dnf },
  yum: { os: ["rocky", "fedora"], run: dnf },
  zypper: { os: ["opensuse"], run: zypper },
  apk: { os: ["alpine"], run: apk },
  pacman: { os: ["arch"], run: pacman },
};
