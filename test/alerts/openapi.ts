/**
 * A small validator of the requests the silence client makes, against Alertmanager's own OpenAPI (Swagger
 * 2.0) spec as shipped with the version under test: the method and path must be an operation of the spec,
 * path parameters must match their pattern, and a body must satisfy the operation's body schema with no
 * property the spec does not define (Swagger objects allow extra properties; Alertmanager's server drops
 * or refuses them, so the client must not rely on them).
 */
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { parse } from "yaml";

interface Operation {
  parameters?: { in: string; name: string; schema?: { $ref: string } }[];
}
interface Spec {
  basePath: string;
  paths: Record<string, Record<string, Operation | unknown>>;
  definitions: Record<string, Definition>;
}
interface Definition {
  type?: string;
  properties?: Record<string, unknown>;
  allOf?: (Definition | { $ref: string })[];
  $ref?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class OpenApiRequestValidator {
  readonly spec: Spec;
  private readonly ajv: Ajv;

  constructor(file: URL) {
    this.spec = parse(readFileSync(file, "utf8")) as Spec;
    this.ajv = new Ajv({ strict: false, allErrors: true });
    this.ajv.addFormat(
      "date-time",
      (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT/.test(s),
    );
    this.ajv.addSchema({ definitions: this.spec.definitions }, "spec");
  }

  /** The problems with one request (empty when it is valid); `path` is below the spec's basePath. */
  check(method: string, path: string, body: unknown): string[] {
    const match = this.operation(method.toLowerCase(), path);
    if (!match) return [`${method} ${path} is not an operation of the spec`];
    const badIds = match.uuids.filter((v) => !UUID.test(v)).map((v) => `path parameter ${v} is not a uuid`);
    if (badIds.length > 0) return badIds;
    const bodyParam = match.operation.parameters?.find((p) => p.in === "body");
    if (!bodyParam) return body === undefined ? [] : [`${method} ${path} takes no body`];
    const ref = bodyParam.schema!.$ref;
    const validate: ValidateFunction = this.ajv.getSchema(`spec${ref}`)!;
    const problems = validate(body)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || "body"} ${e.message}`);
    return [...problems, ...this.unknownProperties(ref, body)];
  }

  /** The operation, and the values of its path parameters the spec declares as uuids. */
  private operation(method: string, path: string): { operation: Operation; uuids: string[] } | undefined {
    for (const [template, ops] of Object.entries(this.spec.paths)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "([^/]+)")}$`);
      const operation = ops[method] as Operation | undefined;
      const m = pattern.exec(path);
      if (!m || !operation) continue;
      const declared = (ops.parameters ?? []) as { in: string; format?: string }[];
      const uuids = declared.some((p) => p.in === "path" && p.format === "uuid") ? m.slice(1) : [];
      return { operation, uuids };
    }
    return undefined;
  }

  private unknownProperties(ref: string, body: unknown): string[] {
    if (typeof body !== "object" || body === null || Array.isArray(body)) return [];
    const known = this.propertiesOf({ $ref: ref });
    return Object.keys(body)
      .filter((k) => !known.has(k))
      .map((k) => `body has ${k}, which ${ref} does not define`);
  }

  private propertiesOf(def: Definition): Set<string> {
    if (def.$ref) return this.propertiesOf(this.spec.definitions[def.$ref.replace("#/definitions/", "")]!);
    const out = new Set(Object.keys(def.properties ?? {}));
    for (const part of def.allOf ?? []) for (const k of this.propertiesOf(part as Definition)) out.add(k);
    return out;
  }
}
