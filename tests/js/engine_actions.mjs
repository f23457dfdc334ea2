/**
 * Prints, as JSON, what the page's browser module exports and which actions its ``engine``
 * answers to: every function on the engine object that assets/task_engine/index.js exports,
 * wherever in assets/task_engine/*.js it is defined (a class, a base class, a mixin). Python
 * binds controls to these by name (``call("...")`` in todo_app/tasks/engine.py), and
 * tests/unit/test_engine_actions.py checks each such name against this list.
 *
 * Only the module graph is loaded, not a page: bare imports (react, sonner, Reflex's
 * ``$/utils/...``) resolve to stubs whose named exports are no-op functions.
 *
 * Usage: node tests/js/engine_actions.mjs [path/to/index.js]
 */
import { register } from "node:module";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";

const HOOKS = `
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const imported = new Map(); // bare specifier -> the names imported from it

const relative = (s) => /^(\\.{1,2}\\/|\\/|file:|node:|data:)/.test(s);

export async function resolve(specifier, context, next) {
  if (relative(specifier)) return next(specifier, context);
  return { url: "stub:" + encodeURIComponent(specifier), shortCircuit: true };
}

export async function load(url, context, next) {
  if (url.startsWith("stub:")) {
    const names = imported.get(decodeURIComponent(url.slice(5))) ?? new Set();
    const lines = [...names].map((n) => "export const " + n + " = () => undefined;");
    lines.push("export default {};");
    return { format: "module", source: lines.join("\\n"), shortCircuit: true };
  }
  const result = await next(url, context);
  if (result.format === "module" && result.source) scan(url, String(result.source));
  return result;
}

// A module's bare imports are recorded before any of them is stubbed: the whole graph of
// relative imports is read from the first module on (a stub's exports are fixed once made).
const scanned = new Set();
function scan(url, text) {
  if (scanned.has(url)) return;
  scanned.add(url);
  const named = /import\\s*\\{([^}]*)\\}\\s*from\\s*["']([^"']+)["']/g;
  for (const [, list, from] of text.matchAll(named)) {
    if (relative(from)) continue;
    const names = imported.get(from) ?? new Set();
    for (const part of list.split(",")) {
      const name = part.trim().split(/\\s+as\\s+/)[0].trim();
      if (name) names.add(name);
    }
    imported.set(from, names);
  }
  const linked = /(?:import|export)\\b[^;]*?\\bfrom\\s*["'](\\.{1,2}\\/[^"']+)["']/g;
  for (const [, from] of text.matchAll(linked)) {
    const next = new URL(from, url).href;
    if (!scanned.has(next)) scan(next, readFileSync(fileURLToPath(next), "utf8"));
  }
}
`;

register("data:text/javascript," + encodeURIComponent(HOOKS));

const index = resolvePath(process.argv[2] ?? "assets/task_engine/index.js");
const browserModule = await import(pathToFileURL(index).href);
const { engine } = browserModule;
if (!engine) throw new Error(`${index} exports no engine`);

const actions = new Set();
for (let o = engine; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
  for (const name of Object.getOwnPropertyNames(o)) {
    if (name === "constructor") continue;
    const desc = Object.getOwnPropertyDescriptor(o, name);
    if (typeof desc.value === "function") actions.add(name);
  }
}
console.log(
  JSON.stringify({ exports: Object.keys(browserModule).sort(), actions: [...actions].sort() }),
);
