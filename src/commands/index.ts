/**
 * Every command the bot knows, listed by hand. Add a command by writing its file and adding it here.
 */
import { approvals } from "./approvals.js";
import { audit } from "./audit.js";
import type { CommandDefinition } from "./definition.js";
import { help } from "./help.js";
import { job } from "./job.js";
import { jobCancel } from "./job-cancel.js";
import { jobs } from "./jobs.js";
import { version } from "./version.js";
import { whoami } from "./whoami.js";

export const ALL_COMMANDS: readonly CommandDefinition[] = [
  help,
  whoami,
  version,
  approvals,
  audit,
  jobs,
  job,
  jobCancel,
];
