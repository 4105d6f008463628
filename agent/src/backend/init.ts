// Turning a backend name into a ready TF.js backend in this process. The native builds
// (@tensorflow/tfjs-node, -gpu) are optional: never dependencies, loaded by dynamic import when present.
import { createRequire } from "node:module";
import { type BackendId, backendIds } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { AgentError } from "../errors";
import { registerBatchNormGradWithoutTile } from "./batch-norm-grad";
import { registerWasmConv2DBackpropFilter } from "./wasm-conv-backprop-filter";

/** npm package providing each native backend. */
export const nativePackages = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
} as const;

export function parseBackendName(value: string): BackendId {
  if ((backendIds as readonly string[]).includes(value)) return value as BackendId;
  throw new AgentError("BAD_BACKEND", `Unknown backend "${value}"; choose one of ${backendIds.join(", ")}`);
}

/** Absolute entry file of an installed package, or null when it is not installed. */
export function resolvePackage(name: string): string | null {
  try {
    return createRequire(import.meta.url).resolve(name);
  } catch {
    return null;
  }
}

/** tfjs-node 4.22 calls util.isNullOrUndefined, which Node 23 removed. */
async function polyfillNodeUtil(): Promise<void> {
  const util = (await import("node:util")) as unknown as { default: Record<string, unknown> };
  util.default.isNullOrUndefined ??= (v: unknown) => v === null || v === undefined;
  util.default.isArray ??= Array.isArray;
}

/** Makes `name` the active TF.js backend (tfjs name: tensorflow, wasm or cpu). */
export async function initBackend(name: BackendId): Promise<void> {
  if (name === "wasm") {
    await import("@tensorflow/tfjs-backend-wasm");
    if (!(await tf.setBackend("wasm"))) {
      throw new AgentError("BACKEND_FAILED", "The wasm backend failed to initialise; retry with --backend cpu");
    }
    registerWasmConv2DBackpropFilter();
    registerBatchNormGradWithoutTile();
  } else if (name === "cpu") {
    await tf.setBackend("cpu");
  } else {
    const entry = resolvePackage(nativePackages[name]);
    if (!entry) {
      throw new AgentError(
        "BACKEND_MISSING",
        `${nativePackages[name]} is not installed; see the agent README ("GPU and native backends") or use --backend wasm`,
      );
    }
    await polyfillNodeUtil();
    await import(entry);
    if (!(await tf.setBackend("tensorflow"))) {
      throw new AgentError("BACKEND_FAILED", `${nativePackages[name]} loaded but its backend did not initialise`);
    }
  }
  await tf.ready();
}
