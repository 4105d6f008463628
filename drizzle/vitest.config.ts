import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // One worker, modules shared between files: one migrated PGlite template serves every suite
    // (a fresh PGlite costs seconds), and the 2-core machines do not run two Postgres-heavy files at once.
    fileParallelism: false,
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
