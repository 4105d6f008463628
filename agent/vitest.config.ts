import { defineConfig } from "vitest/config";

// Model tests hold a whole ResNet-152 (≈3.5 GB RSS at a training step): one file at a time, in forks.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
