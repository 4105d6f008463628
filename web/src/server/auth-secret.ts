import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * Where the instance keeps local state: the generated auth secret, beside the embedded database
 * (`.data/pglite`, which @ai623/drizzle also resolves against the working directory).
 */
export type Env = Record<string, string | undefined>;

export function resolveDataDir(env: Env = process.env): string {
  // A runtime path, not a source file: keep Next.js from tracing the whole project because of it.
  return resolve(/*turbopackIgnore: true*/ env.AI623_DATA_DIR ?? ".data");
}

export class AuthSecretError extends Error {
  readonly code = "AUTH_SECRET_MISSING";
}

/**
 * BETTER_AUTH_SECRET signs sessions. A deployment (production with a shared DATABASE_URL) must set it:
 * instances behind one database must agree on it, and a file on one machine cannot be shared. With the
 * embedded database the data already lives in `.data/`, so a secret generated once and kept beside it is
 * exactly as safe, and lets `npm start` work with no setup.
 */
export function resolveAuthSecret(env: Env = process.env): string {
  const given = env.BETTER_AUTH_SECRET?.trim();
  if (given) {
    if (given.length < 32) {
      throw new AuthSecretError(
        "BETTER_AUTH_SECRET is shorter than 32 characters: generate one with `openssl rand -hex 32`.",
      );
    }
    return given;
  }
  if (env.NODE_ENV === "production" && env.DATABASE_URL) {
    throw new AuthSecretError(
      "BETTER_AUTH_SECRET is not set. A production deployment with DATABASE_URL needs it: generate one with `openssl rand -hex 32` and set it in the environment of every instance.",
    );
  }
  const file = join(resolveDataDir(env), "auth-secret");
  if (existsSync(file)) {
    const stored = readFileSync(file, "utf8").trim();
    if (stored.length >= 32) return stored;
    throw new AuthSecretError(`${file} holds no usable secret: delete it and a new one is generated.`);
  }
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("hex");
  try {
    // `wx`: two processes starting at once must end up with one secret, not overwrite each other's.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return readFileSync(file, "utf8").trim();
  }
}
