import { readFileSync } from "node:fs";
import type { PveVersion, SchemaNode, SchemaRoute } from "./types.js";

const SCHEMA_FILES: Record<PveVersion, string> = {
  "9.1": "apidata-9.1.json",
  "8.4": "apidata-8.4.json",
};

export interface RouteMatch {
  route: SchemaRoute;
  /** Values of the `{name}` segments, already URI-unescaped. */
  pathParams: Record<string, string>;
}

/**
 * The official API tree of one PVE release, flattened for lookup. Matching follows PVE's router:
 * a literal child wins over a `{param}` child at the same depth, and a path that exists for
 * another method only is still "not implemented" for this one (501, like pveproxy).
 */
export class ApiSchema {
  readonly routes: SchemaRoute[] = [];
  readonly version: PveVersion;

  constructor(version: PveVersion, tree: SchemaNode[]) {
    this.version = version;
    const walk = (node: SchemaNode): void => {
      for (const [method, info] of Object.entries(node.info ?? {})) {
        this.routes.push({ method, template: node.path, segments: splitPath(node.path), info });
      }
      for (const child of node.children ?? []) walk(child);
    };
    for (const node of tree) walk(node);
  }

  /** Reads the schema file shipped beside this module (a copy of pve-docs `apidata.js`). */
  static load(version: PveVersion): ApiSchema {
    const url = new URL(`./${SCHEMA_FILES[version]}`, import.meta.url);
    return new ApiSchema(version, JSON.parse(readFileSync(url, "utf8")) as SchemaNode[]);
  }

  match(method: string, segments: string[]): RouteMatch | undefined {
    let best: { match: RouteMatch; literals: number[] } | undefined;
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const greedy = route.segments[route.segments.length - 1] === "{volume}";
      if (route.segments.length !== segments.length && !(greedy && segments.length > route.segments.length))
        continue;
      const pathParams: Record<string, string> = {};
      const literals: number[] = [];
      let ok = true;
      route.segments.forEach((seg, i) => {
        const last = i === route.segments.length - 1;
        const actual = last && greedy ? segments.slice(i).join("/") : (segments[i] ?? "");
        const param = /^\{(.+)\}$/.exec(seg);
        if (param) pathParams[param[1]!] = actual;
        else if (seg === actual) literals.push(i);
        else ok = false;
      });
      if (!ok) continue;
      if (!best || preferLiterals(literals, best.literals)) best = { match: { route, pathParams }, literals };
    }
    return best?.match;
  }

  find(method: string, template: string): SchemaRoute | undefined {
    return this.routes.find((r) => r.method === method && r.template === template);
  }
}

/** Splits a path the way PVE does: empty segments are dropped, so `//a/` is `["a"]`. */
export function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

function preferLiterals(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] ?? Infinity) < (b[i] ?? Infinity);
  }
  return a.length > b.length;
}
