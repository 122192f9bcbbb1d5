/**
 * Discord's application command JSON, as much of it as `/pve` uses (field names as on the wire).
 * Option types: 1 subcommand, 2 subcommand group, 3 string, 4 integer, 5 boolean, 10 number.
 */
type OptionType = 1 | 2 | 3 | 4 | 5 | 10;

export interface CommandOption {
  type: OptionType;
  name: string;
  description: string;
  required?: boolean;
  choices?: { name: string; value: string }[];
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  autocomplete?: boolean;
  options?: CommandOption[];
}

export interface ApplicationCommand {
  /** 1: a slash command. */
  type: 1;
  name: string;
  description: string;
  options: CommandOption[];
  /** 0: usable in guilds only; DMs are refused anyway, so the command is not offered there. */
  contexts: number[];
}

/** An option as an interaction delivers it: a subcommand (group) with its options, or a value. */
export interface InteractionOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: InteractionOption[];
  focused?: boolean;
}
