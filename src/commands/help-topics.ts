/**
 * The topics `help` groups commands under, in the order it shows them. A command no topic names is still
 * listed, under "Other", so adding a command never hides it; a test keeps every command in a topic.
 */
export interface HelpTopic {
  title: string;
  commands: readonly string[];
}

export const HELP_TOPICS: readonly HelpTopic[] = [
  { title: "You and the bot", commands: ["help", "whoami", "version"] },
  { title: "Proxmox inventory", commands: ["nodes", "vms", "vm", "storage", "task"] },
  {
    title: "VM templates",
    commands: [
      "template.distros",
      "template.list",
      "template.build",
      "template.refresh",
      "template.delete",
      "template.prune",
      "template.export",
    ],
  },
  {
    title: "VMs from templates",
    commands: [
      "vm.create",
      "vm.profiles",
      "vm.start",
      "vm.shutdown",
      "vm.reboot",
      "vm.stop",
      "vm.snapshot",
      "vm.snapshots",
      "vm.delete",
    ],
  },
  {
    title: "Guest updates",
    commands: [
      "update.plan",
      "update.apply",
      "update.rollback",
      "update.snapshots",
      "update.cleanup",
      "update.nodes",
      "update.windows",
    ],
  },
  { title: "Jobs", commands: ["jobs", "job", "job.cancel"] },
  { title: "Approvals and audit", commands: ["approvals", "audit"] },
  { title: "Alerts", commands: ["alerts", "alert", "ack", "silence", "unsilence", "silences"] },
];

export const OTHER_TOPIC = "Other";
