/** The raw interaction fields the adapter reads, as the gateway delivers them (discord-api-types names). */
import type { InteractionOption } from "./commands/types.js";
import type { InteractionWho } from "./identity.js";

export interface RawInteraction extends InteractionWho {
  id: string;
  token: string;
  type: number;
  channel_id?: string;
  channel?: { id: string };
  data?: {
    name?: string;
    options?: InteractionOption[];
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

export function channelOf(raw: RawInteraction): string {
  return raw.channel?.id ?? raw.channel_id ?? "";
}
