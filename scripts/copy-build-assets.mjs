// tsc emits only what TypeScript imports; data files read at run time (the simulator's schema and fixture,
// the template catalog) are copied next to the compiled code so `dist/` runs on its own.
import { cpSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const dist = join(root, "dist");

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".json")) cpSync(path, join(dist, relative(src, path)));
  }
}
walk(src);
