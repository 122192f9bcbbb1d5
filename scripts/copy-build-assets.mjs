// tsc emits only what TypeScript imports; data files read at run time (the template catalog) are copied
// next to the compiled code so `dist/` runs on its own. The simulators' data stays out with their code:
// tsconfig.build.json leaves src/sim out of the build, and the image must not carry a fake Proxmox.
import { cpSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
// An output directory other than dist/ may be named (the build test compiles into a scratch directory).
const dist = process.argv[2] ?? join(root, "dist");
const devOnly = new Set([join(src, "sim")]);

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (devOnly.has(path)) continue;
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".json")) cpSync(path, join(dist, relative(src, path)));
  }
}
walk(src);
