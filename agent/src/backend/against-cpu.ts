// For the wasm kernel tests: run the same computation on wasm and on tfjs's cpu backend (the
// reference), check the wasm kernels freed every buffer they allocated, and compare.
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { backendDataIds } from "./wasm-kernel-util";

/** Normal(0, 1) floats, seeded: the same inputs for both backends. */
export const randomFloats = (n: number, seed: number): Float32Array =>
  tf.tidy(() => tf.randomNormal([n], 0, 1, "float32", seed).dataSync() as Float32Array);

/**
 * `compute` on wasm then on cpu (it must leave no tensor behind, e.g. by running in tf.tidy). Expects
 * `length` values, at least one of magnitude `minRef` (so a kernel returning zeros cannot pass),
 * and wasm within 1e-4 of the largest reference value everywhere. Ends on wasm.
 */
export async function expectWasmMatchesCpu(
  compute: () => Float32Array,
  { length, minRef }: { length: number; minRef: number },
): Promise<void> {
  await tf.setBackend("wasm");
  // every buffer a kernel allocates is freed: the backend holds no more data than before
  const ids = backendDataIds();
  const onWasm = compute();
  expect(backendDataIds()).toBe(ids);
  await tf.setBackend("cpu");
  const onCpu = compute();
  await tf.setBackend("wasm");
  expect(onWasm.length).toBe(length);
  expect(onCpu.length).toBe(length);
  let maxDiff = 0;
  let maxRef = 0;
  onCpu.forEach((v, i) => {
    maxDiff = Math.max(maxDiff, Math.abs(v - onWasm[i]!));
    maxRef = Math.max(maxRef, Math.abs(v));
  });
  expect(maxRef).toBeGreaterThan(minRef);
  expect(maxDiff).toBeLessThan(1e-4 * maxRef);
}
