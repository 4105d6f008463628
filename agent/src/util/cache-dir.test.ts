import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveCacheDir } from "./cache-dir";

describe("resolveCacheDir", () => {
  it("prefers --cache-dir over the environment", () => {
    expect(resolveCacheDir({ cacheDir: "/tmp/flag", env: { AI623_CACHE_DIR: "/tmp/env" }, home: "/h" })).toBe(
      "/tmp/flag",
    );
  });
  it("uses AI623_CACHE_DIR when no flag is given", () => {
    expect(resolveCacheDir({ env: { AI623_CACHE_DIR: "rel/env" }, home: "/h" })).toBe(resolve("rel/env"));
  });
  it("falls back to ~/.cache/ai623, ignoring blank values", () => {
    expect(resolveCacheDir({ cacheDir: " ", env: { AI623_CACHE_DIR: "" }, home: "/h" })).toBe(
      join("/h", ".cache", "ai623"),
    );
  });
});
