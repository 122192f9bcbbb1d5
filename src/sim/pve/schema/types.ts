/**
 * Shapes of the official PVE API schema (pve-docs `apidata.js`), as far as the simulator reads them.
 * Numeric flags (`optional: 1`) are kept as Perl emits them.
 */
export interface ParamSchema {
  type?: string;
  description?: string;
  optional?: number | boolean;
  default?: unknown;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  requires?: string;
  /** A named format (`pve-vmid`) or, for property strings, a map of sub-key schemas. */
  format?: string | Record<string, ParamSchema>;
  default_key?: number | boolean;
  alias?: string;
  keyAlias?: string;
  items?: ParamSchema;
  properties?: Record<string, ParamSchema>;
}

/** A permission check expression, e.g. `["perm", "/vms/{vmid}", ["VM.Audit"], "any", 1]`. */
export type PermCheck = unknown[];

export interface Permissions {
  check?: PermCheck;
  user?: "all" | "world";
  description?: string;
}

export interface MethodInfo {
  name: string;
  method: string;
  description?: string;
  protected?: number;
  proxyto?: string | null;
  allowtoken?: number;
  permissions?: Permissions;
  parameters?: { additionalProperties?: number; properties?: Record<string, ParamSchema> };
  returns?: ParamSchema;
}

export interface SchemaNode {
  path: string;
  text: string;
  leaf: number;
  info?: Record<string, MethodInfo>;
  children?: SchemaNode[];
}

export type PveVersion = "9.1" | "8.4";

/** One (method, path template) pair of the schema, ready for matching. */
export interface SchemaRoute {
  method: string;
  template: string;
  segments: string[];
  info: MethodInfo;
}
