/** The raw interaction fields the adapter reads, as the gateway delivers them (discord-api-types names). */
import type { InteractionWho } from "./identity.js";

export interface RawOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: RawOption[];
}

export interface RawInteraction extends InteractionWho {
  id: string;
  token: string;
  type: number;
  channel_id?: string;
  channel?: { id: string };
  data?: {
    name?: string;
    options?: RawOption[];
    custom_id?: string;
    component_type?: number;
    components?: { components?: { custom_id?: string; value?: string }[] }[];
  };
  message?: {
    id: string;
    flags?: number;
    webhook_id?: string;
    interaction_metadata?: unknown;
    components?: { components?: { custom_id?: string; label?: string }[] }[];
  };
}

export const INTERACTION = { command: 2, component: 3, autocomplete: 4, modalSubmit: 5 } as const;
export const CALLBACK = {
  message: 4,
  deferMessage: 5,
  deferUpdate: 6,
  updateMessage: 7,
  choices: 8,
  modal: 9,
} as const;
export const EPHEMERAL = 64;

/** Subcommand group (2) and subcommand (1) names, then the options given to the leaf. */
export function commandPath(data: RawInteraction["data"]): { path: string[]; options: RawOption[] } {
  const path: string[] = [];
  let options = data?.options ?? [];
  for (;;) {
    const nested = options.find((o) => o.type === 1 || o.type === 2);
    if (!nested) break;
    path.push(nested.name);
    options = nested.options ?? [];
  }
  return { path, options };
}

export function channelOf(raw: RawInteraction): string {
  return raw.channel?.id ?? raw.channel_id ?? "";
}
