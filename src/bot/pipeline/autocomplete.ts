/**
 * Answers Discord's autocomplete: while a user types an argument with a suggest kind (the command's
 * `suggest` map), the values of that kind that contain what was typed, at most 25, best matches first.
 * Only for a command the actor may run (RBAC and channel rules, as when it is run). Each kind is read at
 * most once per `ttlMs` and shared by concurrent requests, and an answer never waits longer than
 * `deadlineMs`: Discord drops answers after 3 s, so a slow read answers nothing now and fills the cache
 * for the next keystroke.
 */
import type { AutocompleteChoice, AutocompleteRequest } from "../../adapters/chat.js";
import { describeArgs } from "../../commands/args/schema-shape.js";
import type { CommandServices, SuggestKind } from "../../commands/definition.js";
import type { CommandRegistry } from "../../commands/registry.js";
import type { Clock, Log } from "../../services/ports.js";
import type { Suggestion, SuggestSource, SuggestSources } from "./suggest-sources.js";

const MAX_CHOICES = 25;
/** Discord's limit on a choice's name and value. */
const CHOICE_LENGTH = 100;

export interface AutocompleteDeps {
  registry: CommandRegistry;
  services: CommandServices;
  sources: SuggestSources;
  clock: Clock;
  log: Log;
  /** How long a read of one kind is reused; a few seconds keeps typing fast and values fresh. */
  ttlMs?: number;
  /** The longest an answer waits for a read. */
  deadlineMs?: number;
  scrub?: (text: string) => string;
}

interface CacheEntry {
  at: number;
  values: Promise<Suggestion[]>;
}

export class Autocompleter {
  private readonly cache = new Map<SuggestKind, CacheEntry>();
  private readonly ttlMs: number;
  private readonly deadlineMs: number;

  constructor(private readonly deps: AutocompleteDeps) {
    this.ttlMs = deps.ttlMs ?? 5000;
    this.deadlineMs = deps.deadlineMs ?? 2000;
  }

  async complete(request: AutocompleteRequest): Promise<AutocompleteChoice[]> {
    const def = this.deps.registry.get(request.command);
    const kind = def?.suggest?.[request.option];
    const source = kind ? this.deps.sources[kind] : undefined;
    if (!def || !kind || !source) return [];
    const actor = this.deps.services.rbac.identify(request.actor);
    if (!this.deps.services.rbac.check(actor, def.name, def.permission, request.conversation).ok) return [];
    const values = await this.withinDeadline(this.read(kind, source), kind);
    // A list argument (several distro keys, update targets) completes its last word.
    const list = request.value.lastIndexOf(" ");
    const before =
      list >= 0 && describeArgs(def.args).find((a) => a.key === request.option)?.kind === "list"
        ? request.value.slice(0, list + 1)
        : "";
    const typed = request.value.slice(before.length).trim().toLowerCase();
    const scrub = this.deps.scrub ?? ((s: string) => s);
    return rank(values, typed)
      .map((s) => ({ name: clip(scrub(`${before}${s.label ?? s.value}`)), value: `${before}${s.value}` }))
      .filter((c) => c.value.length <= CHOICE_LENGTH)
      .slice(0, MAX_CHOICES);
  }

  private read(kind: SuggestKind, source: SuggestSource): Promise<Suggestion[]> {
    const now = this.deps.clock.now();
    const hit = this.cache.get(kind);
    if (hit && now - hit.at < this.ttlMs) return hit.values;
    const values = source().catch((err: unknown) => {
      this.deps.log.warn(
        { kind, err: err instanceof Error ? err.message : String(err) },
        "autocomplete source failed",
      );
      this.cache.delete(kind);
      return [];
    });
    this.cache.set(kind, { at: now, values });
    return values;
  }

  private async withinDeadline(values: Promise<Suggestion[]>, kind: SuggestKind): Promise<Suggestion[]> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Suggestion[]>((resolve) => {
      timer = setTimeout(() => {
        this.deps.log.info(
          { kind, deadlineMs: this.deadlineMs },
          "autocomplete answered empty: source too slow",
        );
        resolve([]);
      }, this.deadlineMs);
    });
    try {
      return await Promise.race([values, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Values containing what was typed (in the value or the label): prefixes of the value first. */
function rank(values: readonly Suggestion[], typed: string): Suggestion[] {
  if (!typed) return [...values];
  const starts: Suggestion[] = [];
  const contains: Suggestion[] = [];
  for (const s of values) {
    const value = s.value.toLowerCase();
    if (value.startsWith(typed)) starts.push(s);
    else if (value.includes(typed) || (s.label ?? "").toLowerCase().includes(typed)) contains.push(s);
  }
  return [...starts, ...contains];
}

function clip(text: string): string {
  return text.length <= CHOICE_LENGTH ? text : `${text.slice(0, CHOICE_LENGTH - 1)}…`;
}
