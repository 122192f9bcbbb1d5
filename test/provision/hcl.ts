/**
 * The HCL parser the Terraform export is checked with: @cdktn/hcl2json, HashiCorp's own Go HCL parser
 * compiled to WebAssembly (maintained fork of @cdktf/hcl2json). Loaded through `require` because its
 * typings pull the DOM library into the whole program, which breaks Node's fetch types elsewhere.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const hcl2json = require("@cdktn/hcl2json") as { parse(file: string, text: string): Promise<unknown> };

/** The HCL as JSON; rejects with the parser's diagnostics when it is not valid HCL. */
export function parseHcl(file: string, text: string): Promise<unknown> {
  return hcl2json.parse(file, text);
}
