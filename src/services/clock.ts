import type { Clock } from "./ports.js";

/** The wall clock; everything that reads time takes a Clock so tests can inject their own. */
export const systemClock: Clock = { now: () => Date.now() };
