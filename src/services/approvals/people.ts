/**
 * Who counts as one person for the two-person rule. An identity linked in config (`people:`) counts as its
 * person, so the requester cannot approve from another platform and one approver's identities count once;
 * an unlinked identity is a person of its own.
 */
import type { Actor } from "../vocabulary/identity.js";

/** The key compared for self-approval and duplicate votes; the store's decide script uses it too. */
export function personKey(actor: Pick<Actor, "platform" | "id" | "person">): string {
  // "person" is no platform name, so a person key never equals an identity key.
  return actor.person !== undefined
    ? JSON.stringify(["person", actor.person])
    : JSON.stringify([actor.platform, actor.id]);
}

export function samePerson(
  a: Pick<Actor, "platform" | "id" | "person">,
  b: Pick<Actor, "platform" | "id" | "person">,
): boolean {
  return personKey(a) === personKey(b);
}

/** The name a card shows: the configured person, else the platform's display name. */
export function personName(actor: Pick<Actor, "name" | "person">): string {
  return actor.person ?? actor.name;
}
