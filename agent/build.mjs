// Bundle the agent's own code (and the workspace packages it uses) into dist/cli.js.
// Runtime dependencies listed in package.json "dependencies" stay external: npm installs them.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
await build({
  entryPoints: ["src/cli.ts"],
  outfile: "dist/cli.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __ai623CreateRequire } from 'node:module'; const require = __ai623CreateRequire(import.meta.url);",
  },
  define: { AI623_AGENT_VERSION: JSON.stringify(pkg.version) },
  external: Object.keys(pkg.dependencies ?? {}),
  logLevel: "warning",
});
