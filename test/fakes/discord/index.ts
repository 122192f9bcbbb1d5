export type { CommandOption, FakeUser } from "./interactions.js";
export { FakeDiscord, type FakeDiscordOptions, type RestValidator } from "./server.js";
export { EPHEMERAL, type FakeInteraction, type FakeMessage } from "./state.js";
