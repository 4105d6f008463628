// Seeding through the site's real HTTP API, as a browser session (cookies of the page's context) or as
// an agent (bearer token). No database access behind the site's back.
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import superjson from "superjson";
import { e2eBaseURL } from "./base-url";

type Json = Record<string, unknown>;

async function unwrap<T>(res: Awaited<ReturnType<APIRequestContext["post"]>>, what: string): Promise<T> {
  const body = (await res.json()) as {
    result?: { data: { json: unknown; meta?: unknown } };
    error?: { json: { message: string } };
  };
  if (!res.ok() || !body.result)
    throw new Error(`${what} → ${res.status()}: ${body.error?.json.message ?? JSON.stringify(body)}`);
  return superjson.deserialize(body.result.data as never) as T;
}

/** A new account signed in on this page's browser context. */
export async function signUp(page: Page, label = "e2e"): Promise<{ email: string; password: string }> {
  const email = `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const password = "correct-horse-battery";
  for (let attempt = 0; ; attempt++) {
    const res = await page.request.post("/api/auth/sign-up/email", {
      data: { email, password, name: label },
      // better-auth checks the origin of every POST, as a browser would send it
      headers: { origin: e2eBaseURL },
    });
    if (res.ok()) return { email, password };
    // better-auth allows a few sign-ups per address every few seconds: wait as it says, like a person would
    if (res.status() === 429 && attempt < 10) {
      const wait = Number(res.headers()["x-retry-after"] ?? 5);
      await new Promise((r) => setTimeout(r, (wait + 0.5) * 1000));
      continue;
    }
    throw new Error(`sign-up failed: ${res.status()} ${await res.text()}`);
  }
}

/** A tRPC mutation as the signed-in user of `page`. */
export async function mutate<T = Json>(page: Page, path: string, input: unknown): Promise<T> {
  const res = await page.request.post(`/api/trpc/${path}`, { data: { json: input } });
  return unwrap<T>(res, path);
}

/** A tRPC query as the signed-in user of `page`. */
export async function query<T = Json>(page: Page, path: string, input: unknown): Promise<T> {
  const res = await page.request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  return unwrap<T>(res, path);
}

/** An agent's call: what `ai623-agent` sends, with its token. */
export async function agentCall<T = Json>(
  request: APIRequestContext,
  token: string,
  name: string,
  input: unknown,
): Promise<T> {
  const res = await request.post(`/api/trpc/agent.${name}`, {
    data: { json: input },
    headers: { authorization: `Bearer ${token}` },
  });
  return unwrap<T>(res, `agent.${name}`);
}

export const host = {
  hostname: "e2e-box",
  os: "linux 6.1 x64",
  cpu: "Test CPU",
  cpuCount: 2,
  memoryMb: 24_576,
  gpu: null,
  backend: "wasm",
  backendReason: "no tfjs-node installed; wasm with SIMD",
  agentVersion: "0.1.0",
};

/** A small config that validates and would train in seconds. */
export const tinyConfig = { dataset: "synthetic-cifar10", epochs: 3, imageSize: 32, trainSubset: 64, valSubset: 32 };

export function epoch(n: number, valAcc: number) {
  return {
    epoch: n,
    trainLoss: 2.3 / n,
    trainAcc: Math.min(1, valAcc + 0.05),
    valLoss: 2.4 / n,
    valAcc,
    lr: 1e-3,
    epochSeconds: 4.2,
    imagesPerSec: 15.2,
    peakMemoryMb: 900,
  };
}

/** An agent token made through the Agents API, introduced with `hello`. */
export async function startAgent(page: Page, name = "e2e agent"): Promise<{ token: string; agentId: string }> {
  const created = await mutate<{ token: string; agent: { id: string } }>(page, "agents.create", { name });
  await agentCall(page.request, created.token, "hello", { host });
  return { token: created.token, agentId: created.agent.id };
}

/** Open a page and wait until React has hydrated it (a click before that is lost). */
export async function open(page: Page, path: string) {
  const response = await page.goto(path);
  await expect(page.locator("html[data-hydrated=true]")).toBeAttached();
  return response;
}

/** A full-page screenshot kept with the test's artifacts (test-results/<test>/<name>.png). */
export async function snapshot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}
