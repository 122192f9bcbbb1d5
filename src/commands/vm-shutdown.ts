import { powerCommand } from "./vm-power.js";

export const vmShutdown = powerCommand("shutdown", false);
