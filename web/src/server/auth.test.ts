import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DbHandle, openDb } from "@ai623/drizzle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "./auth";
import { AuthSecretError, resolveAuthSecret } from "./auth-secret";

const origin = "http://localhost:3000";
const tmp = () => mkdtempSync(join(tmpdir(), "ai623-auth-"));

function signUpRequest(email: string) {
  return new Request(`${origin}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: JSON.stringify({ email, password: "correct-horse-battery", name: "someone" }),
  });
}

describe("sign-up rules", () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openDb({ DATABASE_URL: "memory://" });
    await handle.migrate();
  });
  afterAll(() => handle.close());

  it("AI623_SIGNUP=closed lets the owner in, then refuses with a message saying what to do", async () => {
    const auth = createAuth(handle.db, { env: { AI623_SIGNUP: "closed", AI623_DATA_DIR: tmp() } });
    const first = await auth.handler(signUpRequest("owner@example.com"));
    expect(first.status).toBe(200);
    expect((await first.json()).user.role).toBe("owner");
    const second = await auth.handler(signUpRequest("late@example.com"));
    expect(second.status).toBe(403);
    const body = await second.json();
    expect(body.code).toBe("SIGNUP_CLOSED");
    expect(body.message).toMatch(/AI623_SIGNUP/);
  });

  it("sets Secure cookies only where the site is served over https", async () => {
    const cookieOf = async (env: Record<string, string>, email: string) => {
      const res = await createAuth(handle.db, { env: { AI623_DATA_DIR: tmp(), ...env } }).handler(signUpRequest(email));
      expect(res.status).toBe(200);
      return res.headers.getSetCookie().join("\n");
    };
    const plain = await cookieOf({}, "lan@example.com");
    expect(plain).toMatch(/^better-auth\.session_token=/m);
    expect(plain).not.toMatch(/; Secure/i);
    const proxied = await cookieOf({ BETTER_AUTH_URL: "https://ai623.example.org" }, "tls@example.com");
    expect(proxied).toMatch(/^__Secure-better-auth\.session_token=.*; Secure/im);
    expect(await cookieOf({ VERCEL_URL: "ai623.vercel.app" }, "vercel@example.com")).toMatch(/; Secure/i);
    expect(await cookieOf({ BETTER_AUTH_URL: "http://10.0.0.5:3000" }, "http@example.com")).not.toMatch(/; Secure/i);
  });

  it("offers GitHub only when both of its variables are set", async () => {
    const dir = tmp();
    const without = createAuth(handle.db, { env: { AI623_DATA_DIR: dir, GITHUB_CLIENT_ID: "id-only" } });
    const withIt = createAuth(handle.db, {
      env: { AI623_DATA_DIR: dir, GITHUB_CLIENT_ID: "id", GITHUB_CLIENT_SECRET: "secret" },
    });
    expect(Object.keys(without.options.socialProviders ?? {})).toEqual([]);
    expect(Object.keys(withIt.options.socialProviders ?? {})).toEqual(["github"]);
  });
});

describe("BETTER_AUTH_SECRET", () => {
  it("is required in production with a DATABASE_URL, with the command to make one", () => {
    const env = { NODE_ENV: "production", DATABASE_URL: "postgres://db/ai623", AI623_DATA_DIR: tmp() };
    expect(() => resolveAuthSecret(env)).toThrow(AuthSecretError);
    expect(() => resolveAuthSecret(env)).toThrow(/openssl rand -hex 32/);
  });

  it("refuses a short secret", () => {
    expect(() => resolveAuthSecret({ BETTER_AUTH_SECRET: "short" })).toThrow(/32 characters/);
  });

  it("is generated once beside the embedded database and reused", () => {
    const dir = tmp();
    const env = { NODE_ENV: "production", AI623_DATA_DIR: dir };
    const first = resolveAuthSecret(env);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(dir, "auth-secret"), "utf8").trim()).toBe(first);
    expect(resolveAuthSecret(env)).toBe(first);
    expect(resolveAuthSecret({ ...env, BETTER_AUTH_SECRET: "x".repeat(40) })).toBe("x".repeat(40));
  });
});
