/**
 * Which conversations an alert group goes to, and what the route that chose them allows (`alerts.routes`
 * and `alerts.defaultRoute` in config). Rules are tried in order as in Alertmanager: the first rule whose
 * matchers all match takes the group and stops the walk unless it says `continue`; when no rule matched,
 * the default route takes it. A group goes to each conversation once, under the first route that named it.
 *
 * Matchers see the batch's common labels (the labels every alert of the call shares, which include the
 * group labels), so the whole group goes to one place even when its alerts differ in other labels.
 */
import type { ConversationRef, Platform, Role } from "../vocabulary/identity.js";
import { PLATFORMS } from "../vocabulary/identity.js";
import { type LabelMatcher, matchesAll, parseMatcher } from "./matchers.js";
import type { AlertBatch, AlertMessage, AlertRoutePolicy } from "./model.js";

/** The route fields every route has, as the config section parses them (durations in ms). */
interface AlertRouteTarget {
  /** Conversation subjects: `slack:C0123`, `console:ops`, `discord:<channel id>`. */
  to: readonly string[];
  oncall: readonly string[];
  role: Role;
  escalate?: { after: number; times: number };
}

interface AlertRouteRuleConfig extends AlertRouteTarget {
  name: string;
  /** Alertmanager matcher strings, all of which must match. */
  matchers: readonly string[];
  continue: boolean;
}

export interface AlertRoutingConfig {
  routes: readonly AlertRouteRuleConfig[];
  /** Takes groups no rule matched; without it they are stored but go nowhere. */
  defaultRoute?: AlertRouteTarget;
}

export interface AlertRouting {
  /** The messages a batch's group should have: one per conversation, in route order. */
  routeBatch(batch: AlertBatch): AlertMessage[];
  /** The policy of a route by name (`default` for the default route); unknown names get the default's. */
  policyFor(routeName: string): AlertRoutePolicy;
}

export const DEFAULT_ROUTE_NAME = "default";

/** `slack:C0123` → `{ platform: "slack", channelId: "C0123" }`; undefined for anything else. */
function conversationOf(subject: string): ConversationRef | undefined {
  const at = subject.indexOf(":");
  const platform = subject.slice(0, at) as Platform;
  const channelId = subject.slice(at + 1);
  if (at < 1 || !PLATFORMS.includes(platform) || !/^[^\s:]+$/.test(channelId)) return undefined;
  return { platform, channelId };
}

interface CompiledRoute {
  name: string;
  matchers: LabelMatcher[];
  to: ConversationRef[];
  continue: boolean;
  policy: AlertRoutePolicy;
}

function policyOf(name: string, target: AlertRouteTarget | undefined): AlertRoutePolicy {
  return {
    name,
    oncall: [...(target?.oncall ?? [])],
    role: target?.role ?? "operator",
    ...(target?.escalate
      ? { escalate: { afterMs: target.escalate.after, times: target.escalate.times } }
      : {}),
  };
}

function conversations(routeName: string, subjects: readonly string[]): ConversationRef[] {
  return subjects.map((subject) => {
    const ref = conversationOf(subject);
    if (!ref)
      throw new Error(`route ${routeName}: ${JSON.stringify(subject)} is not <platform>:<channel id>`);
    return ref;
  });
}

/**
 * Compiles the routing config. The config schema already refused bad matchers and subjects with the key
 * that holds them; this throws on them too, for callers that build the config in code.
 */
export function createAlertRouting(config: AlertRoutingConfig): AlertRouting {
  const rules: CompiledRoute[] = config.routes.map((route) => ({
    name: route.name,
    matchers: route.matchers.map((text) => {
      const parsed = parseMatcher(text);
      if (!parsed.ok) throw new Error(`route ${route.name}: ${parsed.message}`);
      return parsed.matcher;
    }),
    to: conversations(route.name, route.to),
    continue: route.continue,
    policy: policyOf(route.name, route),
  }));
  const fallback: CompiledRoute = {
    name: DEFAULT_ROUTE_NAME,
    matchers: [],
    to: conversations(DEFAULT_ROUTE_NAME, config.defaultRoute?.to ?? []),
    continue: false,
    policy: policyOf(DEFAULT_ROUTE_NAME, config.defaultRoute),
  };
  const byName = new Map(rules.map((r) => [r.name, r.policy]));

  return {
    routeBatch(batch) {
      const labels = { ...batch.groupLabels, ...batch.commonLabels };
      const chosen: CompiledRoute[] = [];
      for (const rule of rules) {
        if (!matchesAll(rule.matchers, labels)) continue;
        chosen.push(rule);
        if (!rule.continue) break;
      }
      if (chosen.length === 0) chosen.push(fallback);
      const messages: AlertMessage[] = [];
      const seen = new Set<string>();
      for (const rule of chosen) {
        for (const conversation of rule.to) {
          const key = `${conversation.platform}:${conversation.channelId}`;
          if (seen.has(key)) continue;
          seen.add(key);
          messages.push({ route: rule.name, conversation: { ...conversation } });
        }
      }
      return messages;
    },
    policyFor(routeName) {
      return byName.get(routeName) ?? fallback.policy;
    },
  };
}
