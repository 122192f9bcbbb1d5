/**
 * Every command the bot knows, listed by hand. Add a command by writing its file and adding it here.
 */
import { ack } from "./ack.js";
import { alert } from "./alert.js";
import { alerts } from "./alerts.js";
import { approvals } from "./approvals.js";
import { audit } from "./audit.js";
import type { CommandDefinition } from "./definition.js";
import { help } from "./help.js";
import { job } from "./job.js";
import { jobCancel } from "./job-cancel.js";
import { jobs } from "./jobs.js";
import { nodes } from "./nodes.js";
import { silence } from "./silence.js";
import { silences } from "./silences.js";
import { storage } from "./storage.js";
import { task } from "./task.js";
import { templateBuild } from "./template-build.js";
import { templateDelete } from "./template-delete.js";
import { templateDistros } from "./template-distros.js";
import { templateExport } from "./template-export.js";
import { templateList } from "./template-list.js";
import { templatePrune } from "./template-prune.js";
import { templateRefresh } from "./template-refresh.js";
import { unsilence } from "./unsilence.js";
import { updateApply } from "./update-apply.js";
import { updateCleanup } from "./update-cleanup.js";
import { updateNodes } from "./update-nodes.js";
import { updatePlan } from "./update-plan.js";
import { updateRollback } from "./update-rollback.js";
import { updateSnapshots } from "./update-snapshots.js";
import { updateWindows } from "./update-windows.js";
import { version } from "./version.js";
import { vm } from "./vm.js";
import { vmCreate } from "./vm-create.js";
import { vmDelete } from "./vm-delete.js";
import { vmProfiles } from "./vm-profiles.js";
import { vmReboot } from "./vm-reboot.js";
import { vmShutdown } from "./vm-shutdown.js";
import { vmSnapshot } from "./vm-snapshot.js";
import { vmSnapshots } from "./vm-snapshots.js";
import { vmStart } from "./vm-start.js";
import { vmStop } from "./vm-stop.js";
import { vms } from "./vms.js";
import { whoami } from "./whoami.js";

export const ALL_COMMANDS: readonly CommandDefinition[] = [
  // about you and the bot
  help,
  whoami,
  version,
  // Proxmox inventory
  nodes,
  vms,
  vm,
  vmCreate,
  vmProfiles,
  vmStart,
  vmShutdown,
  vmReboot,
  vmStop,
  vmDelete,
  vmSnapshot,
  vmSnapshots,
  task,
  storage,
  // VM templates
  templateDistros,
  templateBuild,
  templateList,
  templateRefresh,
  templateDelete,
  templatePrune,
  templateExport,
  // guest updates
  updatePlan,
  updateApply,
  updateRollback,
  updateSnapshots,
  updateCleanup,
  updateNodes,
  updateWindows,
  // approvals, audit, jobs
  approvals,
  audit,
  jobs,
  job,
  jobCancel,
  // alerts
  alerts,
  alert,
  ack,
  silence,
  unsilence,
  silences,
];
