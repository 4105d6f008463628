// Bundle the agent's own code (and the workspace packages it uses) into dist/cli.js.
// Runtime dependencies listed in package.json "dependencies" stay external: npm installs them.
// scripts/gpu-bundle.mjs bundles its scripts with the same options (agentBundleOptions).
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));

/** The runtime dependencies: left to node_modules by every bundle of the agent. */
export const agentRuntimeDependencies = Object.keys(pkg.dependencies ?? {});

/** esbuild options for one entry of the agent (paths relative to `absWorkingDir`, default agent/). */
export function agentBundleOptions({ entry, outfile, absWorkingDir = fileURLToPath(new URL(".", import.meta.url)) }) {
  return {
    absWorkingDir,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __ai623CreateRequire } from 'node:module'; const require = __ai623CreateRequire(import.meta.url);",
    },
    define: { AI623_AGENT_VERSION: JSON.stringify(pkg.version) },
    external: agentRuntimeDependencies,
    logLevel: "warning",
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await build({ ...agentBundleOptions({ entry: "src/cli.ts", outfile: "dist/cli.js" }), sourcemap: true });
}
