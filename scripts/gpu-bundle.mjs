// Builds what `scripts/gpu-check.sh run` needs on a machine with a GPU but no Node and no network, into
// one folder (default .gpu-bundle/) that the device tool carries:
//   payload.tar.xz  node (this Node, stripped) and app/: the agent's CLI (agent/build.mjs), the parity
//                   script (agent/test/gpu-parity.ts) and bench:gpu (bench/gpu.ts) bundled with esbuild,
//                   bench/torch-bench.py, the tiny parity fixture with its generator, and node_modules
//                   holding only the files Node loads from the agent's runtime dependencies (TF.js and
//                   its backends, Dawn's dawn.node for linux-x64, pino, …)
//   debs/           the Vulkan loader and GL dispatch packages (gpu-check.sh downloads them first)
//   MANIFEST.json   what went in, with sizes
// Usage: node scripts/gpu-bundle.mjs OUT_DIR. Fails when the folder, with the repository's files that
// travel beside it, passes 64 MiB: the device tool's limit for a call.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { agentBundleOptions, agentRuntimeDependencies } from "../agent/build.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const [outArg] = process.argv.slice(2);
if (!outArg) throw new Error("usage: node scripts/gpu-bundle.mjs OUT_DIR");
const out = resolve(outArg);
const stage = join(out, "stage");
const app = join(stage, "app");
const limit = 64 * 2 ** 20;
const mib = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const log = (msg) => process.stderr.write(`[gpu-bundle] ${msg}\n`);

/** Files Node needs at run time beside what esbuild sees imported (loaded by computed paths). */
const assets = [
  "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm",
  "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
  "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm",
  "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js",
  "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js",
  "webgpu/dist/linux-x64/dawn.node",
];

function sizeOf(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0);
}

/** node_modules/… path of a file as it will sit under app/, whichever node_modules it came from. */
function moduleRelative(file) {
  const parts = relative(root, file).split(sep);
  const i = parts.indexOf("node_modules");
  if (i < 0) throw new Error(`${file} is not inside a node_modules folder`);
  return parts.slice(i).join("/");
}

/**
 * Every file of the runtime dependencies that Node will load: esbuild resolves their imports the way
 * Node does (platform node: package.json "main" first, "exports" with the import condition), so a
 * bundle of a stub importing each one lists them in its metafile. Plus every package.json on the way
 * up from each file (main fields, "type": "module").
 */
async function runtimeFiles() {
  const stub = agentRuntimeDependencies.map((d) => `import ${JSON.stringify(d)};`).join("\n");
  const r = await build({
    stdin: { contents: stub, resolveDir: join(root, "agent"), loader: "js" },
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    external: ["*.node"],
    logLevel: "error",
    absWorkingDir: root,
  });
  const files = new Map();
  const add = (abs) => {
    const rel = moduleRelative(abs);
    const seen = files.get(rel);
    if (seen && seen !== abs) throw new Error(`two copies of ${rel}: ${seen} and ${abs}`);
    files.set(rel, abs);
  };
  for (const input of Object.keys(r.metafile.inputs)) {
    if (!input.includes("node_modules/")) continue;
    const abs = join(root, input);
    add(abs);
    for (let dir = dirname(abs); !dir.endsWith(`${sep}node_modules`); dir = dirname(dir)) {
      if (existsSync(join(dir, "package.json"))) add(join(dir, "package.json"));
    }
  }
  for (const a of assets) add(join(root, "node_modules", a));
  return files;
}

/** What the device tool sends besides carried paths: tracked files and untracked ones git does not ignore. */
function worktreeBytes() {
  const listed = execFileSync("git", ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    encoding: "utf8",
  });
  return listed
    .split("\0")
    .filter(Boolean)
    .reduce((n, f) => n + (existsSync(join(root, f)) ? statSync(join(root, f)).size : 0), 0);
}

async function main() {
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  const started = performance.now();

  log("bundling the agent CLI, the parity script and bench:gpu with esbuild");
  const entries = [
    { entry: "agent/src/cli.ts", outfile: "cli.js" },
    { entry: "agent/test/gpu-parity.ts", outfile: "gpu-parity.js" },
    { entry: "bench/gpu.ts", outfile: "bench-gpu.js" },
  ];
  for (const e of entries) {
    await build(agentBundleOptions({ entry: e.entry, outfile: join(app, e.outfile), absWorkingDir: root }));
  }
  writeFileSync(join(app, "package.json"), `${JSON.stringify({ type: "module", private: true }, null, 2)}\n`);
  copyFileSync(join(root, "bench/torch-bench.py"), join(app, "torch-bench.py"));
  mkdirSync(join(app, "fixtures"));
  for (const f of ["tiny-io.safetensors", "tiny-weights.safetensors", "make-parity-fixture.py"]) {
    copyFileSync(join(root, "agent/test/fixtures", f), join(app, "fixtures", f));
  }

  log("collecting the runtime dependencies' files");
  const files = await runtimeFiles();
  for (const [rel, abs] of files) {
    mkdirSync(join(app, dirname(rel)), { recursive: true });
    copyFileSync(abs, join(app, rel));
  }
  log(`${files.size} files, ${mib(sizeOf(join(app, "node_modules")))} of node_modules`);

  log(`copying and stripping ${process.execPath} (Node ${process.versions.node})`);
  copyFileSync(process.execPath, join(stage, "node"));
  try {
    // the symbol table goes, the dynamic one (N-API, which dawn.node links against) stays
    execFileSync("strip", [join(stage, "node")]);
  } catch {
    log("strip not available: the node binary travels with its symbols");
  }

  log("compressing (xz -9)");
  const payload = join(out, "payload.tar.xz");
  rmSync(payload, { force: true });
  execFileSync("tar", ["-C", stage, "-cf", payload, "--use-compress-program=xz -9 -T0", "node", "app"]);
  const payloadBytes = statSync(payload).size;

  const debsDir = join(out, "debs");
  const debs = existsSync(debsDir) ? readdirSync(debsDir).filter((f) => f.endsWith(".deb")) : [];
  if (!debs.some((f) => f.startsWith("libvulkan1_"))) throw new Error(`no libvulkan1 .deb in ${debsDir}`);

  const unpacked = sizeOf(stage);
  rmSync(stage, { recursive: true, force: true });
  const manifest = {
    node: process.versions.node,
    commit: execFileSync("git", ["-C", root, "rev-parse", "HEAD"], { encoding: "utf8" }).trim(),
    dirty: execFileSync("git", ["-C", root, "status", "--porcelain"], { encoding: "utf8" }).trim() !== "",
    builtAt: new Date().toISOString(),
    payloadBytes,
    unpackedBytes: unpacked,
    runtimeFiles: files.size,
    debs,
    seconds: Math.round((performance.now() - started) / 1000),
  };
  writeFileSync(join(out, "MANIFEST.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const total = sizeOf(out);
  const tree = worktreeBytes();
  log(`payload ${mib(payloadBytes)} (unpacked ${mib(unpacked)}), debs ${mib(sizeOf(debsDir))}; bundle ${mib(total)}`);
  log(`with the repository's ${mib(tree)} that travel beside it: ${mib(total + tree)} of 64 MiB`);
  if (total + tree > limit) {
    throw new Error(
      `the bundle (${mib(total)}) and the repository (${mib(tree)}) pass the device tool's 64 MiB: they would not travel`,
    );
  }
  console.log(JSON.stringify({ bundle: out, bytes: total, worktreeBytes: tree, ...manifest }));
}

await main();
