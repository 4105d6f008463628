// What a user gets: `npm pack`, install the tarball in an empty folder outside the repo, run the bin.
// Needs the npm registry or its local cache for the runtime dependencies (TF.js, pino, …).
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const slow = process.env.AI623_FAST === "1";
const agentRoot = fileURLToPath(new URL("..", import.meta.url));
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "ai623-pack-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe.skipIf(slow)("the npm package", { timeout: 600_000 }, () => {
  it("installs from its tarball and runs --help and doctor", async () => {
    const npm = (args: string[], cwd: string) =>
      execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    npm(["pack", "--pack-destination", scratch], agentRoot); // prepack bundles dist/
    const tarball = (await readdir(scratch)).find((f) => f.endsWith(".tgz"));
    expect(tarball).toMatch(/^ai623-agent-.*\.tgz$/);
    const app = join(scratch, "app");
    await mkdir(app);
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "pack-check", private: true }));
    npm(["install", join(scratch, tarball!), "--prefer-offline", "--no-audit", "--no-fund"], app);
    const run = (args: string[]) =>
      execFileSync("npx", ["--no-install", "ai623-agent", ...args], {
        cwd: app,
        encoding: "utf8",
        env: { ...process.env, AI623_CACHE_DIR: join(scratch, "cache") },
      });
    const help = run(["--help"]);
    expect(help).toMatch(/Usage: ai623-agent/);
    for (const command of ["run", "doctor", "eval", "data"]) expect(help).toContain(command);
    expect(run(["run", "--help"])).toMatch(/--server <url>[\s\S]*--max-runs <n>[\s\S]*--log-format/);
    // exits 0 only when every check passes; wasm must work from the installed package
    const doctor = run(["doctor"]);
    expect(doctor).toMatch(/✓ backend wasm {5}works/);
    expect(doctor).toContain("All checks passed");
  });
});
