/**
 * INTERACTION_CREATE payloads as Discord sends them, with the fields discord.js v14 reads beyond the docs'
 * examples (`entitlements`, `authorizing_integration_owners`, `channel`, `app_permissions`, `version`).
 */

export interface FakeUser {
  id: string;
  name: string;
  /** Guild role ids of the member. */
  roles: string[];
}

export interface InteractionPlace {
  appId: string;
  guildId: string | undefined;
  channelId: string;
}

type Json = Record<string, unknown>;

export function interactionBase(
  place: InteractionPlace,
  user: FakeUser,
  ids: { id: string; token: string },
  type: number,
): Json {
  const discordUser = {
    id: user.id,
    username: user.name,
    global_name: user.name,
    discriminator: "0",
    avatar: null,
  };
  const who =
    place.guildId === undefined
      ? { user: discordUser, context: 1 }
      : {
          guild_id: place.guildId,
          guild_locale: "en-US",
          context: 0,
          member: {
            user: discordUser,
            roles: user.roles,
            nick: null,
            avatar: null,
            joined_at: "2024-01-01T00:00:00.000000+00:00",
            premium_since: null,
            deaf: false,
            mute: false,
            flags: 0,
            pending: false,
            permissions: "2248473465835073",
          },
        };
  return {
    id: ids.id,
    application_id: place.appId,
    type,
    token: ids.token,
    version: 1,
    locale: "en-US",
    app_permissions: "2248473465835073",
    entitlements: [],
    authorizing_integration_owners: place.guildId === undefined ? { "1": user.id } : { "0": place.guildId },
    channel_id: place.channelId,
    channel: { id: place.channelId, type: place.guildId === undefined ? 1 : 0 },
    attachment_size_limit: 10485760,
    ...who,
  };
}

/** A chat-input command option as Discord nests it (subcommand groups and subcommands hold options). */
export interface CommandOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: CommandOption[];
}

export function commandData(name: string, options: CommandOption[], commandId: string): Json {
  return { id: commandId, name, type: 1, options };
}

export function componentData(customId: string): Json {
  return { custom_id: customId, component_type: 2 };
}

export function modalData(customId: string, values: Record<string, string>): Json {
  return {
    custom_id: customId,
    components: Object.entries(values).map(([id, value]) => ({
      type: 1,
      components: [{ type: 4, custom_id: id, value }],
    })),
  };
}

/** A message as Discord embeds it in a component interaction. */
export function messageObject(m: {
  id: string;
  channelId: string;
  content: string;
  embeds: Json[];
  components: Json[];
  flags: number;
  appId: string;
}): Json {
  return {
    id: m.id,
    channel_id: m.channelId,
    type: 0,
    content: m.content,
    embeds: m.embeds,
    components: m.components,
    flags: m.flags,
    author: { id: m.appId, username: "pve-bot", discriminator: "0", avatar: null, bot: true },
    attachments: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
  };
}
