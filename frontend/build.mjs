// Build the PWA: src/app.js + src/app.css -> build/static/frontend/app-<hash>.{js,css} (content-hashed,
// collected by Django as static files), src/sw.js -> build/serviceworker.js (served at /serviceworker.js
// by frontend.views.service_worker), and build/assets.json naming them. Usage: node build.mjs [--dev]
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "build");
const dev = process.argv.includes("--dev");
const common = { bundle: true, minify: !dev, sourcemap: false, target: ["es2020", "chrome100", "safari15"], logLevel: "warning" };

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "static", "frontend"), { recursive: true });

const app = await esbuild.build({
  ...common,
  entryPoints: { app: join(here, "src", "app.js"), "app-style": join(here, "src", "app.css") },
  outdir: join(out, "static", "frontend"),
  entryNames: "[name]-[hash]",
  format: "esm",
  metafile: true,
});
const files = Object.keys(app.metafile.outputs).map((path) => basename(path));
const js = files.find((name) => name.startsWith("app-") && name.endsWith(".js"));
const css = files.find((name) => name.endsWith(".css"));

await esbuild.build({
  ...common,
  entryPoints: [join(here, "src", "sw.js")],
  outfile: join(out, "serviceworker.js"),
  format: "iife",
});

const hash = createHash("sha256");
for (const name of [join(out, "static", "frontend", js), join(out, "static", "frontend", css), join(out, "serviceworker.js")]) {
  hash.update(readFileSync(name));
}
const manifest = { js: `frontend/${js}`, css: `frontend/${css}`, hash: hash.digest("hex").slice(0, 12) };
writeFileSync(join(out, "assets.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`built ${manifest.js} ${manifest.css} serviceworker.js (version ${manifest.hash})`);
