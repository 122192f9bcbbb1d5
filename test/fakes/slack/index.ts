export * from "./sender.js";
export { FakeSlack, type FakeSlackOptions } from "./server.js";
export type { ApiCall, Failure, ResponseUrlPost, StoredFile, StoredMessage } from "./state.js";
export { blockErrors, validateMessage } from "./validate.js";
