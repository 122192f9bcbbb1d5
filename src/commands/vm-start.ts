import { powerCommand } from "./vm-power.js";

export const vmStart = powerCommand("start", false);
