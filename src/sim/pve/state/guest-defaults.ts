import type { GuestOsId, GuestState, PackageState } from "./types.js";

interface OsInfo {
  id: string;
  name: string;
  prettyName: string;
  version: string;
  versionId: string;
  kernel: string;
}

/** What `get-osinfo` reports per distribution (values of the distributions' current releases). */
export const OS_INFO: Record<GuestOsId, OsInfo> = {
  debian: {
    id: "debian",
    name: "Debian GNU/Linux",
    prettyName: "Debian GNU/Linux 12 (bookworm)",
    version: "12 (bookworm)",
    versionId: "12",
    kernel: "6.1.0-37-cloud-amd64",
  },
  ubuntu: {
    id: "ubuntu",
    name: "Ubuntu",
    prettyName: "Ubuntu 24.04.3 LTS",
    version: "24.04.3 LTS (Noble Numbat)",
    versionId: "24.04",
    kernel: "6.8.0-86-generic",
  },
  rocky: {
    id: "rocky",
    name: "Rocky Linux",
    prettyName: "Rocky Linux 9.6 (Blue Onyx)",
    version: "9.6 (Blue Onyx)",
    versionId: "9.6",
    kernel: "5.14.0-503.40.1.el9_5.x86_64",
  },
  fedora: {
    id: "fedora",
    name: "Fedora Linux",
    prettyName: "Fedora Linux 42 (Cloud Edition)",
    version: "42 (Cloud Edition)",
    versionId: "42",
    kernel: "6.14.0-63.fc42.x86_64",
  },
  opensuse: {
    id: "opensuse-leap",
    name: "openSUSE Leap",
    prettyName: "openSUSE Leap 15.6",
    version: "15.6",
    versionId: "15.6",
    kernel: "6.4.0-150600.23.53-default",
  },
  alpine: {
    id: "alpine",
    name: "Alpine Linux",
    prettyName: "Alpine Linux v3.22",
    version: "3.22.2",
    versionId: "3.22.2",
    kernel: "6.12.38-0-virt",
  },
  arch: {
    id: "arch",
    name: "Arch Linux",
    prettyName: "Arch Linux",
    version: "",
    versionId: "",
    kernel: "6.16.8-arch1-1",
  },
};

export function defaultKernel(os: GuestOsId): string {
  return OS_INFO[os].kernel;
}

const IMAGE_HINTS: Array<[RegExp, GuestOsId]> = [
  [/ubuntu|noble|jammy|focal/i, "ubuntu"],
  [/debian|bookworm|trixie|bullseye/i, "debian"],
  [/rocky|alma|centos|rhel|oracle/i, "rocky"],
  [/fedora/i, "fedora"],
  [/opensuse|leap|sles|tumbleweed/i, "opensuse"],
  [/alpine/i, "alpine"],
  [/archlinux|arch-linux/i, "arch"],
];

/** Packages a fresh cloud image ships with: the agent, plus one library with a pending update. */
const BASE_PACKAGES: Record<GuestOsId, PackageState[]> = {
  ubuntu: [
    { name: "openssl", version: "3.0.13-0ubuntu3.5", available: "3.0.13-0ubuntu3.6" },
    { name: "qemu-guest-agent", version: "1:8.2.2+ds-0ubuntu1.7" },
  ],
  debian: [
    { name: "openssl", version: "3.0.16-1~deb12u1", available: "3.0.17-1~deb12u2" },
    { name: "qemu-guest-agent", version: "1:7.2+dfsg-7+deb12u13" },
  ],
  rocky: [
    { name: "openssl", version: "3.2.2-6.el9_5", available: "3.2.2-6.el9_6.1" },
    { name: "qemu-guest-agent", version: "9.0.0-10.el9_5" },
  ],
  fedora: [
    { name: "openssl", version: "3.2.4-3.fc42", available: "3.2.4-4.fc42" },
    { name: "qemu-guest-agent", version: "9.2.4-1.fc42" },
  ],
  opensuse: [
    { name: "libopenssl3", version: "3.1.4-150600.5.24.1", available: "3.1.4-150600.5.27.1" },
    { name: "qemu-guest-agent", version: "8.2.10-150600.3.20.1" },
  ],
  alpine: [
    { name: "libssl3", version: "3.5.1-r0", available: "3.5.4-r0" },
    { name: "qemu-guest-agent", version: "9.2.0-r2" },
  ],
  arch: [
    { name: "openssl", version: "3.5.2-1", available: "3.5.3-1" },
    { name: "qemu-guest-agent", version: "10.1.0-2" },
  ],
};

/**
 * The guest a VM created from a cloud image gets: the distribution is guessed from the image name
 * (`import-from` volume), so `get-osinfo` and the package manager match what was imported.
 * Unknown names give an Ubuntu guest.
 */
export function guestForImage(image: string | undefined, hostname: string): GuestState {
  const os = IMAGE_HINTS.find(([re]) => re.test(image ?? ""))?.[1] ?? "ubuntu";
  return {
    os,
    kernel: OS_INFO[os].kernel,
    hostname,
    packages: BASE_PACKAGES[os].map((p) => ({ ...p })),
    rebootRequired: false,
    indexFresh: false,
    ipv4: "10.20.0.200",
  };
}
