// The webgpu tests run on SwiftShader, the Vulkan driver Debian's chromium ships (package
// chromium-common), through Dawn: no GPU needed. Without it they skip, except under CI=true, where a
// missing SwiftShader fails them (.ci/run installs chromium).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { expect } from "vitest";
import { initBackend } from "../src/backend/init";

const knownPaths = ["/usr/lib/chromium/vk_swiftshader_icd.json", "/usr/lib/chromium-browser/vk_swiftshader_icd.json"];

/** The SwiftShader ICD manifest: VK_ICD_FILENAMES if it names one, else dpkg's file list, else known paths. */
export function findSwiftShaderIcd(env: NodeJS.ProcessEnv = process.env): string | null {
  const set = env.VK_ICD_FILENAMES?.split(":").find((p) => p.endsWith("vk_swiftshader_icd.json") && existsSync(p));
  if (set) return set;
  const listed = spawnSync("dpkg-query", ["-L", "chromium-common", "chromium"], { encoding: "utf8" });
  const fromDpkg = (listed.stdout ?? "").split("\n").find((l) => l.endsWith("/vk_swiftshader_icd.json"));
  if (fromDpkg && existsSync(fromDpkg)) return fromDpkg;
  return knownPaths.find((p) => existsSync(p)) ?? null;
}

const icd = findSwiftShaderIcd();

export const swiftShader = {
  icd,
  /** skip the webgpu tests: no SwiftShader here, and not CI */
  skip: icd === null && process.env.CI !== "true",
  missing: "no SwiftShader Vulkan ICD (vk_swiftshader_icd.json): apt-get install chromium",
  /** the environment a child process needs to run on SwiftShader */
  env: icd ? { VK_ICD_FILENAMES: icd } : ({} as Record<string, string>),
};

/** Points this process's Vulkan loader at SwiftShader (before Dawn creates its instance). */
export function useSwiftShader(): void {
  if (!swiftShader.icd) throw new Error(swiftShader.missing);
  process.env.VK_ICD_FILENAMES = swiftShader.icd;
}

/** Makes `backend` the active one for a test: wasm, or webgpu on SwiftShader (a failure when absent). */
export async function initTestBackend(backend: "wasm" | "webgpu"): Promise<void> {
  if (backend === "webgpu") {
    expect(swiftShader.icd, swiftShader.missing).not.toBeNull();
    useSwiftShader();
  }
  await initBackend(backend);
}
