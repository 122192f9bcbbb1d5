/**
 * Discord's documented message limits (developer docs: message, embed and component references), checked
 * again by the official OpenAPI spec in the tests. Lengths are counted in UTF-16 units, which can only
 * over-count what Discord counts, so text cut to them always fits.
 */
export const LIMITS = {
  content: 2000,
  embeds: 10,
  /** Title, description, field names and values, footer and author of every embed of one message. */
  embedTotal: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  rows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  linkUrl: 512,
  modalTitle: 45,
  modalInputs: 5,
  inputLabel: 45,
  inputPlaceholder: 100,
  inputValue: 4000,
  allowedMentionIds: 100,
} as const;

/** Message flag: only the user who ran the command sees the message (interaction responses only). */
export const EPHEMERAL = 64;
