// The dashboard's speed targets (issue 6) on a production build (`next start`) over a seeded PostgreSQL.
//   npm run bench:dashboard -- [--rounds 20] [--pg postgres://…] [--no-build]
// Seeds one user with 10,000 runs and 1,000,000 epoch_metrics rows straight in SQL (through the API it
// would take hours), then measures server renders over HTTP (full body read) and, in Chromium, the time
// from an agent's epoch post to the point on the run page's chart. The anchor is GET /sign-in, a trivial
// page of the same server, measured in the same rounds (interleaved, so load swings hit every metric).
// Targets: runs list < 300 ms and run page < 300 ms (medians), epoch post → point < 1000 ms p95.
// Prints a table, then one JSON line. Without --pg it runs its own cluster (scripts/throwaway-pg.sh).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { analyzeModel, blockNames, parseRunConfig } from "@ai623/shared";
import { chromium } from "@playwright/test";
import pg from "pg";
import superjson from "superjson";
import { flag, opt } from "./bench-util";

const rounds = Number(opt("rounds", "20"));
const runCount = 10_000;
const root = join(import.meta.dirname, "..");
const log = (msg: string) => console.error(`[bench:dashboard] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (v: number) => Math.round(v * 10) / 10;
const now = () => performance.timeOrigin + performance.now(); // epoch ms, comparable with the browser's

function stats(v: number[]) {
  const s = [...v].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { medianMs: round1(at(0.5)), p95Ms: round1(at(0.95)), n: s.length };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

type Who = { cookie?: string; token?: string };
type PageDocument = { querySelector(s: string): { getAttribute(n: string): string | null } | null };

/** A tRPC call as the site's client makes it: superjson envelope, GET for queries, POST for mutations. */
async function trpc<T>(base: string, path: string, input: unknown, who: Who, kind: "query" | "mutation" = "mutation") {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (who.cookie) headers.cookie = who.cookie;
  if (who.token) headers.authorization = `Bearer ${who.token}`;
  const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const res =
    kind === "query"
      ? await fetch(`${base}/api/trpc/${path}${q}`, { headers })
      : await fetch(`${base}/api/trpc/${path}`, { method: "POST", headers, body: JSON.stringify({ json: input }) });
  const body = (await res.json()) as { result?: { data: unknown }; error?: { json: { message: string } } };
  if (!res.ok || !body.result) throw new Error(`${path} → ${res.status}: ${body.error?.json.message ?? "?"}`);
  return superjson.deserialize(body.result.data as never) as T;
}

let lastBodyKb = 0; // the size of the page timedGet read last, so the JSON shows what a render carried

/** One GET read to its last byte; a redirect, an error or a page without `expect` fails the bench. */
async function timedGet(base: string, path: string, cookie?: string, expect?: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(base + path, { headers: cookie ? { cookie } : {}, redirect: "manual" });
  const body = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`GET ${path} → ${res.status}: ${body.slice(0, 300)}`);
  lastBodyKb = Math.round(Buffer.byteLength(body) / 1024);
  if (expect && !body.includes(expect)) throw new Error(`GET ${path}: the page does not show "${expect}"`);
  return ms;
}

/** `runCount` finished runs of one user, 100 epochs each, in a handful of set-based statements. */
async function seed(client: pg.Client, ownerId: string, projectId: string) {
  // The configs the list filters on, validated as the API would; the analysis as createRun stores it.
  const variants = (["cifar10", "cifar100"] as const).flatMap((dataset) =>
    (["pretrained", "random"] as const).flatMap((init) =>
      (["head_only", "final_block", "full"] as const).map((freezeMode) => {
        const skip = init === "random" && freezeMode === "full" ? [blockNames("resnet152")[0]!] : [];
        const imageSize = dataset === "cifar10" ? 224 : 32;
        const config = parseRunConfig({ dataset, init, freezeMode, epochs: 100, imageSize, disabledSkips: skip });
        return { config, analysis: analyzeModel(config), label: `${dataset} · ${init} · ${freezeMode}` };
      }),
    ),
  );
  await client.query("BEGIN");
  // Their own agent row, so the bench agent's claim and "current run" are not affected by them.
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO agents (owner_id, name, token_hash, token_prefix, backend, hostname)
     VALUES ($1, 'seed agent', md5(random()::text), 'seed', 'wasm', 'seed-box') RETURNING id`,
    [ownerId],
  );
  const agentId = rows[0]!.id;
  // One run every 5 minutes (~35 days back); 1 in 100 still running, its lease far off so no sweep
  // takes it.
  await client.query(
    `INSERT INTO runs (project_id, owner_id, name, config, tags, status, agent_id, lease_expires_at,
       total_params, trainable_params, flops, analysis, backend, device, prefix_cached,
       epochs_recorded, best_val_acc, best_epoch, started_at, finished_at, created_at, updated_at)
     SELECT $1, $2, (v->>'label') || ' #' || g,
       CASE WHEN g % 100 = 0 THEN jsonb_set(v->'config', '{epochs}', '150') ELSE v->'config' END,
       ARRAY['bench', 'batch-' || (g % 20)],
       (CASE WHEN g % 100 = 0 THEN 'running' ELSE 'succeeded' END)::run_status, $3,
       CASE WHEN g % 100 = 0 THEN now() + interval '1 day' END,
       (v->'analysis'->>'totalParams')::bigint, (v->'analysis'->>'trainableParams')::bigint,
       (v->'analysis'->>'flops')::bigint, v->'analysis', 'wasm', 'CPU (1 thread)', false,
       100, 0.3 + 0.65 * random(), 100, t, CASE WHEN g % 100 <> 0 THEN t + interval '100 minutes' END,
       t - interval '1 minute', t + interval '100 minutes'
     FROM generate_series(1, $4::int) g
     CROSS JOIN LATERAL (SELECT ($5::jsonb) -> (g % $6::int) AS v) pick
     CROSS JOIN LATERAL (SELECT now() - ($4::int - g) * interval '5 minutes' - interval '2 hours' AS t) at`,
    [projectId, ownerId, agentId, runCount, JSON.stringify(variants), variants.length],
  );
  // Curves that rise to best_val_acc at epoch 100, so best_epoch = 100 holds.
  await client.query(
    `INSERT INTO epoch_metrics (run_id, epoch, attempt, train_loss, train_acc, val_loss, val_acc, lr,
       epoch_seconds, images_per_sec, peak_memory_mb, recorded_at)
     SELECT r.id, e, 1, 2.3 * exp(-e / 30.0) + 0.05, least(1, r.best_val_acc * c.f + 0.04),
       2.4 * exp(-e / 35.0) + 0.1, r.best_val_acc * c.f, 1e-3, 60, 830, 900, r.started_at + e * interval '1 minute'
     FROM runs r CROSS JOIN generate_series(1, 100) e
     CROSS JOIN LATERAL (SELECT (1 - exp(-e / 20.0)) / (1 - exp(-5.0)) AS f) c WHERE r.agent_id = $1`,
    [agentId],
  );
  await client.query(
    `INSERT INTO run_events (run_id, kind, attempt, agent_id, at)
     SELECT r.id, k.kind::run_event_kind, 1, CASE WHEN k.kind <> 'created' THEN r.agent_id END,
       r.created_at + k.o * interval '1 minute'
     FROM runs r CROSS JOIN (VALUES ('created', 0), ('claimed', 1), ('started', 1), ('succeeded', 101)) k(kind, o)
     WHERE r.agent_id = $1 AND (r.status = 'succeeded' OR k.kind <> 'succeeded') ORDER BY r.created_at, k.o`,
    [agentId],
  );
  await client.query("COMMIT");
  await client.query("ANALYZE");
  const sample = await client.query<{ id: string; name: string }>(
    "SELECT id, name FROM runs WHERE agent_id = $1 AND status = 'succeeded' ORDER BY created_at DESC OFFSET 123 LIMIT 1",
    [agentId],
  );
  return sample.rows[0]!;
}

async function main() {
  const tStart = performance.now();
  const cleanups: (() => unknown)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (e) {
        log(`cleanup: ${e}`);
      }
    }
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
  let serverLog = ""; // next start's last output, shown when something fails
  try {
    // 1. database: a private cluster on its own port and folder, so a test suite's cluster is left alone
    let databaseUrl = opt("pg", "");
    if (!databaseUrl) {
      const dir = join(os.tmpdir(), "ai623-bench-dashboard-pg");
      const pgEnv = { PGCI_PORT: String(await freePort()), PGCI_DIR: dir, ...process.env }; // the caller's win
      const script = join(root, "scripts", "throwaway-pg.sh");
      const started = spawnSync(script, ["start"], { env: pgEnv, encoding: "utf8" });
      if (started.status !== 0) throw new Error(`throwaway-pg start failed: ${started.stderr}`);
      cleanups.push(() => {
        spawnSync(script, ["stop"], { env: pgEnv, stdio: "ignore" });
        if (pgEnv.PGCI_DIR === dir) rmSync(dir, { recursive: true, force: true }); // ~300 MB of seeded rows
      });
      databaseUrl = /DATABASE_URL=(\S+)\s*$/.exec(started.stdout)?.[1] ?? "";
    }
    // 2. the site as production serves it; the lease outlasts seeding, as the bench agent never heartbeats
    const env = {
      ...process.env,
      ...{ DATABASE_URL: databaseUrl, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
      ...{ BETTER_AUTH_SECRET: randomBytes(32).toString("hex"), AI623_LEASE_SECONDS: "3600" },
    };
    const web = join(root, "web");
    if (!flag("no-build")) {
      log("next build …");
      const built = spawnSync("npx", ["next", "build"], { cwd: web, env, stdio: ["ignore", 2, 2] });
      if (built.status !== 0) throw new Error("next build failed");
    }
    const base = `http://127.0.0.1:${await freePort()}`;
    const server = spawn("npx", ["next", "start", "-p", new URL(base).port, "-H", "127.0.0.1"], {
      cwd: web,
      env,
      detached: true, // its own process group: npx → next → next-server all go with one kill
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (d: Buffer) => {
      serverLog = (serverLog + d.toString()).slice(-4000);
    };
    server.stdout.on("data", keep);
    server.stderr.on("data", keep);
    // the whole group, even if npx is gone: next-server would outlive it
    cleanups.push(() => process.kill(-server.pid!, "SIGTERM"));
    const up = () =>
      fetch(`${base}/sign-in`).then(
        (r) => r.ok,
        () => false,
      );
    for (let i = 0; !(await up()); i++) {
      if (server.exitCode !== null || i > 120) throw new Error("next start did not come up in 60 s");
      await sleep(500);
    }
    // 3. an account, signed in (its first request also migrates the empty database)
    const email = `bench-${Date.now()}@example.test`;
    const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({ email, password: "correct-horse-battery", name: "bench" }),
    });
    if (!signUp.ok) throw new Error(`sign-up → ${signUp.status}: ${await signUp.text()}`);
    const cookies = signUp.headers.getSetCookie().map((c) => c.split(";")[0]!.split(/=(.*)/s) as [string, string]);
    const user = { cookie: cookies.map(([k, v]) => `${k}=${v}`).join("; ") };
    // 4. the default project, an agent and the live run (priority 1000: the claim takes it); then bulk rows
    const [project] = await trpc<{ id: string }[]>(base, "projects.list", undefined, user, "query");
    const agent = await trpc<{ token: string }>(base, "agents.create", { name: "bench agent" }, user);
    const agentCall = (name: string, input: unknown) => trpc(base, `agent.${name}`, input, agent);
    const cpu = os.cpus()[0]?.model ?? "?";
    const cpuCount = os.availableParallelism();
    const memoryMb = Math.round(os.totalmem() / 2 ** 20);
    const host = { hostname: os.hostname(), os: `${os.platform()} ${os.release()}`, cpu, cpuCount, memoryMb };
    const backend = { gpu: null, backend: "wasm", backendReason: "bench", agentVersion: "0.1.0" };
    await agentCall("hello", { host: { ...host, ...backend } });
    const config = { dataset: "synthetic-cifar10", epochs: 200, imageSize: 32 };
    const live = await trpc<{ id: string }>(base, "runs.create", { name: "bench live", config, priority: 1000 }, user);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    cleanups.push(() => client.end());
    const owner = await client.query<{ id: string }>("SELECT id FROM users WHERE email = $1", [email]);
    log(`seeding ${runCount} runs × 100 epochs …`);
    const tSeed = performance.now();
    const target = await seed(client, owner.rows[0]!.id, project!.id);
    const seedSeconds = round1((performance.now() - tSeed) / 1000);
    log(`seeded in ${seedSeconds} s; measuring renders`);
    // 5a. server renders, interleaved round by round after two warm-up rounds
    const pages = {
      anchor: () => timedGet(base, "/sign-in"),
      runsList: () => timedGet(base, "/runs", user.cookie, `#${runCount}`),
      runsListFiltered: () => timedGet(base, "/runs?sort=bestValAcc&freezeMode=full", user.cookie, "full #"),
      runPage: () => timedGet(base, `/runs/${target.id}`, user.cookie, target.name),
    };
    const times: Record<keyof typeof pages, number[]> = { anchor: [], runsList: [], runsListFiltered: [], runPage: [] };
    const bodyKb: Partial<Record<keyof typeof pages, number>> = {};
    for (let r = -2; r < rounds; r++) {
      for (const [k, fn] of Object.entries(pages) as [keyof typeof pages, () => Promise<number>][]) {
        const ms = await fn();
        if (r >= 0) times[k].push(ms);
        bodyKb[k] = lastBodyKb;
      }
    }
    // 5b. epoch post → point in the browser
    log("measuring epoch post → point");
    const claimed = await trpc<{ run: { id: string } | null }>(base, "agent.claim", { gpu: false }, agent);
    if (claimed.run?.id !== live.id)
      throw new Error(`the claim took ${claimed.run?.id ?? "nothing"}, not the live run`);
    await agentCall("start", {
      ...{ runId: live.id, backend: "wasm", backendReason: "bench", device: "cpu", threads: 1 },
      ...{ prefixCached: false, resumedFromEpoch: null, weightsSha256: null },
    });
    const executablePath =
      process.env.PLAYWRIGHT_CHROMIUM_PATH || (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);
    const browser = await chromium.launch({
      executablePath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
    });
    cleanups.push(() => browser.close());
    const context = await browser.newContext({ baseURL: base });
    // the site serves plain http here, so its session cookie is not Secure (web/src/server/auth.ts)
    const cookieFields = { domain: "127.0.0.1", path: "/", secure: false, httpOnly: true, sameSite: "Lax" as const };
    await context.addCookies(cookies.map(([name, value]) => ({ name, value, ...cookieFields })));
    const page = await context.newPage();
    await page.goto(`/runs/${live.id}`);
    await page.locator("html[data-hydrated=true]").waitFor({ state: "attached" });
    await page.locator("[data-testid=run-page][data-live=true]").waitFor({ state: "attached" });
    const postToPoint: number[] = [];
    for (let k = 1; k <= rounds + 1; k++) {
      // Resolves with the browser's clock at the first frame whose chart has both points of epoch k.
      const seen = page.waitForFunction(
        (want) =>
          // runs in the page; bench/ compiles without the DOM lib, hence the narrow type
          (globalThis as unknown as { document: PageDocument }).document
            .querySelector("[data-testid=chart-accuracy]")
            ?.getAttribute("data-points") === String(want)
            ? performance.timeOrigin + performance.now()
            : false,
        2 * k,
        { polling: "raf", timeout: 15_000 },
      );
      const t0 = now();
      const metrics = { epoch: k, trainLoss: 2 / k, trainAcc: 0.5, valLoss: 2.1 / k, valAcc: 0.4 + k / 1000 };
      await agentCall("postEpoch", {
        runId: live.id,
        metrics: { ...metrics, lr: 1e-3, epochSeconds: 1, imagesPerSec: 100, peakMemoryMb: 500 },
      });
      const at = (await (await seen).jsonValue()) as number;
      if (k > 1) postToPoint.push(at - t0); // epoch 1 warms the page's refetch path
      // agents post every few seconds, not in step with the stream's 1 s poll: jitter the gap
      await sleep(300 + Math.random() * 700);
    }
    // 6. report
    const s = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, stats(v)])) as Record<
      keyof typeof pages,
      ReturnType<typeof stats>
    >;
    const rows = [
      ["anchor GET /sign-in", s.anchor, null, "median", bodyKb.anchor],
      ["runs list GET /runs", s.runsList, 300, "median", bodyKb.runsList],
      ["runs list ?sort=bestValAcc&freezeMode=full", s.runsListFiltered, 300, "median", bodyKb.runsListFiltered],
      ["run page GET /runs/<id> (100 epochs)", s.runPage, 300, "median", bodyKb.runPage],
      ["epoch post → point in browser", stats(postToPoint), 1000, "p95", undefined],
    ] as const;
    const results = rows.map(([name, st, targetMs, on, kb]) => {
      const value = on === "p95" ? st.p95Ms : st.medianMs;
      const verdict = targetMs === null ? "anchor" : value < targetMs ? "PASS" : "MISS";
      const target = targetMs && `< ${targetMs} ms ${on}`;
      return { name, ...st, ratioToAnchor: round1(st.medianMs / s.anchor.medianMs), target, verdict, bodyKb: kb };
    });
    const line = (cells: unknown[]) =>
      console.log(cells.map((c, i) => String(c ?? "").padEnd([46, 10, 10, 9, 18, 0][i]!)).join(""));
    line(["metric", "median", "p95", "×anchor", "target", "result"]);
    for (const r of results) line([r.name, r.medianMs, r.p95Ms, r.ratioToAnchor, r.target, r.verdict]);
    const machine = {
      cpu,
      nproc: cpuCount,
      loadAverage: os.loadavg().map((v) => +v.toFixed(2)),
      node: process.version,
    };
    const totalSeconds = round1((performance.now() - tStart) / 1000);
    const seeded = { runs: runCount, epochMetrics: runCount * 100, seedSeconds };
    console.log(JSON.stringify({ bench: "dashboard", rounds, seeded, results, totalSeconds, machine }));
  } catch (err) {
    if (serverLog) log(`next start said:\n${serverLog}`);
    throw err;
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
