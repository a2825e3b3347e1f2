// Bundle the card into one ES module: node build.mjs [OUTFILE]
// (default: the file the integration serves). Same sources + lockfile → same bytes.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
const outfile = process.argv[2] ?? "../custom_components/opencode_lookout/frontend/opencode-lookout-card.js";

await build({
  entryPoints: ["src/index.ts"],
  bundle: true,
  format: "esm",
  target: "es2021",
  minify: true,
  legalComments: "eof",
  banner: { js: `/* opencode-lookout-card ${pkg.version}: built from card/ by scripts/build-card; do not edit */` },
  outfile,
  absWorkingDir: new URL(".", import.meta.url).pathname,
  logLevel: "warning",
});
