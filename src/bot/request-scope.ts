/**
 * Carries the requestId of the command being handled across every await, so log lines written deep in
 * the Proxmox client or a store (which hold the process-wide logger, not the invocation's child) still
 * carry it. Created once in the composition root and handed to the logger and the dispatcher.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestScope {
  run<T>(requestId: string, work: () => Promise<T>): Promise<T>;
  /** Fields to add to a log line: `{ requestId }` inside a scope, nothing outside. */
  bindings(): { requestId?: string };
}

export function createRequestScope(): RequestScope {
  const storage = new AsyncLocalStorage<string>();
  return {
    run: (requestId, work) => storage.run(requestId, work),
    bindings() {
      const requestId = storage.getStore();
      return requestId === undefined ? {} : { requestId };
    },
  };
}
