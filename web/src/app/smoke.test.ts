// `npm start` as a user gets it: a production build served by `next start` on embedded PGlite with no
// setup, then the whole agent protocol driven with curl (scripts/protocol-curl.sh). Slow (a Next build).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const webDir = resolve(import.meta.dirname, "../..");
const repoRoot = resolve(webDir, "..");

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => done(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitForHttp(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`next start exited ${server.exitCode}:\n${log()}`);
    try {
      await fetch(url, { redirect: "manual" });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`next start did not answer within 60 s:\n${log()}`);
}

describe.skipIf(process.env.AI623_FAST === "1")("npm start on embedded PGlite (smoke)", () => {
  let server: ChildProcess;
  let base: string;
  let output = "";

  beforeAll(async () => {
    const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
    const build = spawnSync("npx", ["next", "build"], { cwd: webDir, env, encoding: "utf8", timeout: 400_000 });
    if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`);

    const data = mkdtempSync(join(tmpdir(), "ai623-smoke-"));
    const serverEnv: NodeJS.ProcessEnv = {
      ...env,
      NODE_ENV: "production",
      PGLITE_DIR: join(data, "pglite"),
      AI623_DATA_DIR: data,
    };
    // No configuration at all: the defaults must be enough.
    for (const key of ["DATABASE_URL", "DB_DRIVER", "BETTER_AUTH_SECRET", "BETTER_AUTH_URL", "AI623_SIGNUP"]) {
      delete serverEnv[key];
    }
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn("npx", ["next", "start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: webDir,
      env: serverEnv,
      detached: true,
    });
    server.stdout?.on("data", (d) => {
      output += d;
    });
    server.stderr?.on("data", (d) => {
      output += d;
    });
    await waitForHttp(`${base}/sign-in`, server, () => output);
  }, 480_000);

  afterAll(() => {
    // the whole group: npx, next start and its next-server child
    if (server?.pid && server.exitCode === null) process.kill(-server.pid, "SIGTERM");
  });

  it("sends a visitor without a session to /sign-in and serves the sign-in form", async () => {
    const runs = await fetch(`${base}/runs`, { redirect: "manual" });
    expect(runs.status).toBe(307);
    expect(runs.headers.get("location")).toMatch(/\/sign-in$/);
    const page = await fetch(`${base}/sign-in`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Sign in");
    expect(html).toContain('type="password"');
  });

  it("serves the signed-in shell after sign-up", async () => {
    const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({ email: "smoke@example.com", password: "correct-horse-battery", name: "smoke" }),
    });
    expect(signUp.status).toBe(200);
    const cookie = signUp.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const runs = await fetch(`${base}/runs`, { headers: { cookie } });
    expect(runs.status).toBe(200);
    const html = await runs.text();
    expect(html).toContain('aria-label="Main"');
    expect(html).toContain("No runs yet.");
    const agents = await fetch(`${base}/agents`, { headers: { cookie } });
    expect(agents.status).toBe(200);

    // Through the real HTTP server the declared Content-Length is refused before the body is read.
    const huge = await fetch(`${base}/api/trpc/runs.create`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ json: { name: "x".repeat(2 * 1024 * 1024), config: {} } }),
    });
    expect(huge.status).toBe(413);
    const list = await fetch(`${base}/api/trpc/runs.list?input=${encodeURIComponent('{"json":{}}')}`, {
      headers: { cookie },
    });
    expect((await list.json()).result.data.json.items).toEqual([]);
  });

  it("takes the whole agent protocol over curl (scripts/protocol-curl.sh)", () => {
    const run = spawnSync("bash", [join(repoRoot, "scripts/protocol-curl.sh"), base], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.status, `${run.stdout}\n${run.stderr}\n--- server ---\n${output}`).toBe(0);
    expect(run.stdout).toMatch(/^OK: run [0-9a-f-]{36} succeeded with epochs 1:0.45,2:0.6/m);
  });
});
