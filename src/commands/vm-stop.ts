import { powerCommand } from "./vm-power.js";

export const vmStop = powerCommand("stop", true);
