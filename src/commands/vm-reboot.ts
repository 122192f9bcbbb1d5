import { powerCommand } from "./vm-power.js";

export const vmReboot = powerCommand("reboot", false);
