import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const journal = (dir: string) => join(dir, "meta", "_journal.json");

export interface MigrationsDirOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The URL this module believes it has; a bundler may rewrite it (tests inject a fake one). */
  moduleUrl?: string;
}

/**
 * Find the migrations folder: `AI623_MIGRATIONS_DIR`, else beside this package's sources (tsx, vitest,
 * node), else through package resolution, else by walking up from the cwd (Next.js bundles this module,
 * so `import.meta.url` may point into `.next/`; the server still runs from the repo or the web folder).
 */
export function resolveMigrationsDir(opts: MigrationsDirOptions = {}): string {
  const env = opts.env ?? process.env;
  const explicit = env.AI623_MIGRATIONS_DIR?.trim();
  if (explicit) {
    const dir = resolve(opts.cwd ?? process.cwd(), explicit);
    if (!existsSync(journal(dir))) {
      throw new Error(`AI623_MIGRATIONS_DIR=${explicit} has no meta/_journal.json: point it at drizzle/migrations`);
    }
    return dir;
  }
  const tried: string[] = [];
  const candidates: (() => string | null)[] = [
    () => {
      const url = opts.moduleUrl ?? import.meta.url;
      return url.startsWith("file:") ? join(dirname(fileURLToPath(url)), "..", "migrations") : null;
    },
    () => {
      const url = opts.moduleUrl ?? import.meta.url;
      if (!url.startsWith("file:")) return null;
      const pkg = createRequire(url).resolve("@ai623/drizzle/package.json");
      return join(dirname(pkg), "migrations");
    },
    ...ancestors(opts.cwd ?? process.cwd()).flatMap((dir) => [
      () => join(dir, "drizzle", "migrations"),
      () => join(dir, "node_modules", "@ai623", "drizzle", "migrations"),
    ]),
  ];
  for (const candidate of candidates) {
    let dir: string | null = null;
    try {
      dir = candidate();
    } catch {
      // a resolver that cannot work here (bundled module, no node_modules): try the next
    }
    if (dir === null) continue;
    if (existsSync(journal(dir))) return resolve(dir);
    tried.push(dir);
  }
  throw new Error(
    `Cannot find the database migrations (looked in ${tried.join(", ")}). Set AI623_MIGRATIONS_DIR to the drizzle/migrations folder.`,
  );
}

function ancestors(start: string): string[] {
  const out: string[] = [];
  let dir = resolve(start);
  for (;;) {
    out.push(dir);
    const up = dirname(dir);
    if (up === dir) return out;
    dir = up;
  }
}
