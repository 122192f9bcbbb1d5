/**
 * Checks a Discord REST call (method, path, JSON body) against Discord's official OpenAPI spec
 * (discord-openapi.json, copied from discord/discord-api-spec): the operation must exist and the body must
 * match its JSON request schema (lengths, counts, types, required fields, enums). The fake Discord REST
 * server and the renderer tests use it, so a body Discord would refuse fails a test here first.
 */
import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";

interface Operation {
  requestBody?: { content?: Record<string, { schema?: unknown }>; required?: boolean };
}
interface Spec {
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation | unknown>>;
}

const SPEC_ID = "discord-openapi";
const METHODS = new Set(["get", "put", "post", "patch", "delete"]);

export type BodyCheck = { ok: true; operation: string } | { ok: false; operation?: string; errors: string[] };

interface Route {
  template: string;
  pattern: RegExp;
  /** Literal segments: `/messages/@original` wins over `/messages/{message_id}`. */
  literals: number;
}

export class DiscordOpenApi {
  private readonly ajv: Ajv2020;
  private readonly spec: Spec;
  private readonly routes: Route[];
  private readonly basePath: string;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(specPath: URL = new URL("./discord-openapi.json", import.meta.url)) {
    this.spec = JSON.parse(readFileSync(specPath, "utf8")) as Spec;
    this.basePath = new URL(this.spec.servers[0]!.url).pathname.replace(/\/$/, "");
    this.ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
    this.ajv.addFormat("int32", {
      type: "number",
      validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
    });
    this.ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat("double", { type: "number", validate: (n: number) => Number.isFinite(n) });
    this.ajv.addFormat("snowflake", /^\d{1,20}$/);
    this.ajv.addFormat("nonce", /^.{0,25}$/s);
    this.ajv.addFormat("uri", /^[a-z][a-z0-9+.-]*:\S+$/i);
    this.ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
    this.ajv.addSchema(this.spec as object, SPEC_ID);
    this.routes = Object.keys(this.spec.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(
          `^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`,
        ),
        literals: template.split("/").filter((s) => s && !s.startsWith("{")).length,
      }))
      .sort((a, b) => b.literals - a.literals);
  }

  /** The spec's path template for a concrete path (with or without `/api/v10` and a query string). */
  route(path: string): string | undefined {
    const bare = this.bare(path);
    return this.routes.find((r) => r.pattern.test(bare))?.template;
  }

  /** Whether `body` is what Discord accepts as the JSON body of `method path`. */
  check(method: string, path: string, body: unknown): BodyCheck {
    const verb = method.toLowerCase();
    const template = this.route(path);
    if (!template || !METHODS.has(verb)) return { ok: false, errors: [`no such route: ${method} ${path}`] };
    const operation = `${method.toUpperCase()} ${template}`;
    const op = this.spec.paths[template]![verb] as Operation | undefined;
    if (!op) return { ok: false, operation, errors: [`${operation} is not an operation of the API`] };
    const schema = op.requestBody?.content?.["application/json"]?.schema;
    if (!schema) {
      return body === undefined
        ? { ok: true, operation }
        : { ok: false, operation, errors: [`${operation} takes no JSON body`] };
    }
    if (body === undefined) {
      return op.requestBody?.required
        ? { ok: false, operation, errors: ["body required"] }
        : { ok: true, operation };
    }
    const validate = this.validator(template, verb);
    if (validate(body)) return { ok: true, operation };
    return { ok: false, operation, errors: describe(validate.errors ?? []) };
  }

  private validator(template: string, verb: string): ValidateFunction {
    const key = `${verb} ${template}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const pointer = ["paths", template, verb, "requestBody", "content", "application/json", "schema"]
        .map((p) => encodeURIComponent(p.replaceAll("~", "~0").replaceAll("/", "~1")))
        .join("/");
      validate = this.ajv.compile({ $ref: `${SPEC_ID}#/${pointer}` });
      this.compiled.set(key, validate);
    }
    return validate;
  }

  private bare(path: string): string {
    const noQuery = path.split("?")[0]!;
    return noQuery.startsWith(`${this.basePath}/`) ? noQuery.slice(this.basePath.length) : noQuery;
  }
}

const UNION_NOISE = new Set(["oneOf", "anyOf", "allOf"]);
/** What every other branch of a union reports (wrong `type`, missing fields of another kind). */
const BRANCH_MISMATCH = new Set(["enum", "const", "required", "type"]);

/**
 * Ajv's errors for a union (`oneOf` of component kinds) list every branch that failed; so a definite fault
 * (a length, a count, a range) is shown alone when there is one, and the deepest errors come first.
 */
function describe(errors: readonly ErrorObject[]): string[] {
  const relevant = errors.filter((e) => !UNION_NOISE.has(e.keyword));
  const definite = relevant.filter((e) => !BRANCH_MISMATCH.has(e.keyword));
  const lines = (definite.length > 0 ? definite : relevant)
    .sort((a, b) => b.instancePath.split("/").length - a.instancePath.split("/").length)
    .map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`);
  return [...new Set(lines)].slice(0, 20);
}
