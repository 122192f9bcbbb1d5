/**
 * Ingest of one validated webhook call: route → store → tell the listeners. The store step completes
 * before `ingest` resolves (the webhook answers 2xx only then) and throws when Redis is unavailable.
 * Listeners (the chat side that posts and edits messages) run after it and are not awaited by the caller:
 * a failing listener is logged and never turns a stored alert into an error, because the store's dirty
 * mark lets whoever renders next catch up.
 */
import type { Log } from "../ports.js";
import type { AlertBatch } from "./model.js";
import type { AlertStore, IngestResult } from "./ports.js";
import type { AlertRouting } from "./routing.js";

type AlertChangeListener = (result: IngestResult) => void | Promise<void>;

export interface AlertIngest {
  ingest(batch: AlertBatch): Promise<IngestResult>;
  /** Adds a listener called after every ingest that changed a group; returns its removal. */
  onChanged(listener: AlertChangeListener): () => void;
  /** Resolves once the listeners of every ingest so far have finished (for shutdown and tests). */
  settled(): Promise<void>;
}

export interface AlertIngestDeps {
  store: AlertStore;
  routing: Pick<AlertRouting, "routeBatch">;
  log: Log;
}

export function createAlertIngest(deps: AlertIngestDeps): AlertIngest {
  const listeners = new Set<AlertChangeListener>();
  const running = new Set<Promise<void>>();

  function notify(result: IngestResult): void {
    for (const listener of listeners) {
      const run = Promise.resolve()
        .then(() => listener(result))
        .catch((err: unknown) => {
          deps.log.error(
            { err, group: result.group.id, version: result.group.version },
            "alert listener failed; the group stays marked for the next render",
          );
        });
      running.add(run);
      run.finally(() => running.delete(run));
    }
  }

  return {
    async ingest(batch) {
      const result = await deps.store.ingest(batch, (b) => deps.routing.routeBatch(b));
      if (result.changed) notify(result);
      return result;
    },
    onChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async settled() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
