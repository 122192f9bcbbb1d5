import type { GuestOsId } from "./types.js";

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
};

export function defaultKernel(os: GuestOsId): string {
  return OS_INFO[os].kernel;
}
