import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where the agent keeps downloads (datasets, weights) between runs. */
export interface CacheDirOptions {
  /** Value of `--cache-dir`, if given: wins over everything. */
  cacheDir?: string;
  /** Environment to read; defaults to `process.env` (injectable for tests). */
  env?: Record<string, string | undefined>;
  /** Home directory; defaults to `os.homedir()` (injectable for tests). */
  home?: string;
}

/**
 * Resolves the cache root: `--cache-dir` > `AI623_CACHE_DIR` > `~/.cache/ai623`.
 * Read at call time, never at import, so tests and commands can override it.
 */
export function resolveCacheDir(opt: CacheDirOptions = {}): string {
  const fromFlag = opt.cacheDir?.trim();
  if (fromFlag) return resolve(fromFlag);
  const fromEnv = (opt.env ?? process.env).AI623_CACHE_DIR?.trim();
  if (fromEnv) return resolve(fromEnv);
  return join(opt.home ?? homedir(), ".cache", "ai623");
}
