// What the agent says about a WebGPU adapter: its description as the server stores it, whether it is
// a software rasteriser, the GPU memory budget (WebGPU does not report memory), and, when Dawn finds
// no adapter, which part of the Vulkan stack is missing and how to add it.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import os from "node:os";
import { basename, join } from "node:path";
import type { GpuAdapter } from "@ai623/shared";

/** What Dawn tells about an adapter (GPUAdapterInfo + the limits the agent requests at their maxima). */
export interface RawAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface MemoryBudget {
  mb: number;
  /** what set it, for logs and the memory plan's limitSource */
  source: string;
}

/** Used when nothing better is known (not NVIDIA, not software, no setting): fits a 6 GB card. */
export const defaultGpuMemoryMb = 4096;

const mib = (bytes: number) => Math.floor(bytes / 2 ** 20);

/** SwiftShader, lavapipe/llvmpipe or another fallback adapter: correct but far slower than a GPU. */
export function isSoftwareAdapter(
  raw: Pick<RawAdapter, "architecture" | "description" | "device" | "isFallbackAdapter">,
) {
  if (raw.isFallbackAdapter || raw.architecture.toLowerCase() === "swiftshader") return true;
  return /swiftshader|llvmpipe|lavapipe|software/i.test(`${raw.description} ${raw.device}`);
}

/** Total memory per NVIDIA GPU in MiB from `nvidia-smi`, with its name; null when it cannot run. */
export function queryNvidiaSmi(): { name: string; totalMb: number }[] | null {
  const out = spawnSync("nvidia-smi", ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (out.status !== 0 || !out.stdout) return null;
  return parseNvidiaSmi(out.stdout);
}

export function parseNvidiaSmi(stdout: string): { name: string; totalMb: number }[] {
  return stdout
    .split("\n")
    .map((line) => /^(.*),\s*(\d+)\s*$/.exec(line.trim()))
    .filter((m) => m !== null)
    .map((m) => ({ name: m[1]!.trim(), totalMb: Number(m[2]) }));
}

export interface BudgetInputs {
  /** --gpu-memory / AI623_GPU_MEMORY_MB */
  settingMb?: number | null;
  nvidia?: () => { name: string; totalMb: number }[] | null;
  hostMemoryBytes?: number;
}

/**
 * The GPU memory a training step may use. A setting wins; an NVIDIA card gives 90 % of its total
 * (nvidia-smi; the card whose name matches the adapter, else the smallest listed); a software adapter
 * allocates host RAM, so half of it; anything else the conservative default.
 */
export function resolveGpuMemoryBudget(
  raw: Pick<RawAdapter, "vendor" | "description"> & { software: boolean },
  inputs: BudgetInputs = {},
): MemoryBudget {
  if (inputs.settingMb) return { mb: inputs.settingMb, source: "AI623_GPU_MEMORY_MB / --gpu-memory" };
  if (raw.software) {
    const host = inputs.hostMemoryBytes ?? os.totalmem();
    return { mb: Math.max(1, Math.floor(mib(host) / 2)), source: "half the host's RAM (software adapter)" };
  }
  if (/nvidia/i.test(`${raw.vendor} ${raw.description}`)) {
    const cards = (inputs.nvidia ?? queryNvidiaSmi)() ?? [];
    const match = cards.find((c) => c.name && raw.description.toLowerCase().includes(c.name.toLowerCase()));
    const card =
      match ??
      cards.reduce<(typeof cards)[number] | undefined>((a, c) => (a && a.totalMb <= c.totalMb ? a : c), undefined);
    if (card)
      return {
        mb: Math.floor(card.totalMb * 0.9),
        source: `90 % of ${card.name || "the card"}'s ${card.totalMb} MiB (nvidia-smi)`,
      };
  }
  return { mb: defaultGpuMemoryMb, source: "default: set AI623_GPU_MEMORY_MB to the card's memory" };
}

export function describeAdapter(raw: RawAdapter, budget: (software: boolean) => MemoryBudget): GpuAdapter {
  const software = isSoftwareAdapter(raw);
  return {
    vendor: raw.vendor.slice(0, 200),
    architecture: raw.architecture.slice(0, 200),
    device: raw.device.slice(0, 200),
    description: (raw.description || `${raw.vendor} ${raw.architecture}`.trim() || "unnamed adapter").slice(0, 500),
    software,
    maxBufferSize: raw.maxBufferSize,
    maxStorageBufferBindingSize: raw.maxStorageBufferBindingSize,
    memoryBudgetMb: budget(software).mb,
  };
}

/** One line for logs, doctor and the backend reason. */
export function formatAdapter(a: GpuAdapter): string {
  const kind = [a.vendor, a.architecture].filter(Boolean).join(" ");
  return `${a.description}${kind ? ` (${kind}${a.software ? ", software" : ""})` : a.software ? " (software)" : ""}; buffers ≤ ${mib(a.maxBufferSize)} MiB, storage bindings ≤ ${mib(a.maxStorageBufferBindingSize)} MiB; memory budget ${a.memoryBudgetMb} MB`;
}

/** The parts of the Vulkan stack Dawn needs, as found on this machine. */
export interface VulkanFacts {
  /** libvulkan.so.1 (Debian: libvulkan1) in a library folder */
  loader: boolean;
  /** ICD manifests: VK_ICD_FILENAMES / VK_DRIVER_FILES, else the standard folders */
  icdFiles: string[];
  /** the ICD files came from the environment (and may not exist) */
  icdFromEnv: boolean;
  /** an NVIDIA kernel driver is loaded (/proc/driver/nvidia or /dev/nvidiactl) */
  nvidiaDriver: boolean;
  /** NVIDIA_DRIVER_CAPABILITIES, which the NVIDIA container toolkit reads */
  capabilities: string | undefined;
}

const libDirs = [
  "/usr/lib/x86_64-linux-gnu",
  "/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/usr/local/lib",
];
const icdDirs = ["/etc/vulkan/icd.d", "/usr/share/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"];

export function gatherVulkanFacts(env: NodeJS.ProcessEnv = process.env): VulkanFacts {
  const dirs = [...(env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean), ...libDirs];
  const fromEnv = (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES || "").split(":").filter(Boolean);
  const listed = icdDirs.flatMap((d) => {
    try {
      return readdirSync(d)
        .filter((f) => f.endsWith(".json"))
        .map((f) => join(d, f));
    } catch {
      return [];
    }
  });
  return {
    loader: dirs.some((d) => existsSync(join(d, "libvulkan.so.1"))),
    icdFiles: fromEnv.length ? fromEnv : listed,
    icdFromEnv: fromEnv.length > 0,
    nvidiaDriver: existsSync("/proc/driver/nvidia/version") || existsSync("/dev/nvidiactl"),
    capabilities: env.NVIDIA_DRIVER_CAPABILITIES,
  };
}

const containerFix = (caps: string | undefined) =>
  `in a container set NVIDIA_DRIVER_CAPABILITIES=compute,graphics,utility (now ${caps === undefined ? "unset" : `"${caps}"`}): "graphics" mounts the Vulkan driver; on the host install the driver's Vulkan/GL libraries`;

/** Why Dawn found no adapter, and the fix. `dawnLog` is what Dawn printed on stderr, when captured. */
export function explainNoAdapter(f: VulkanFacts, dawnLog = "", exists: (p: string) => boolean = existsSync): string {
  if (!f.loader || /Couldn't load Vulkan/i.test(dawnLog)) {
    return "libvulkan.so.1 (the Vulkan loader) is missing: install it (Debian/Ubuntu: apt-get install libvulkan1)";
  }
  const missing = f.icdFromEnv ? f.icdFiles.filter((p) => !exists(p)) : [];
  if (missing.length)
    return `VK_ICD_FILENAMES names ${missing.join(", ")}, which does not exist: point it at the driver's ICD json`;
  const nvidiaIcd = f.icdFiles.some((p) => /nvidia/i.test(basename(p)));
  if (f.nvidiaDriver && (!nvidiaIcd || /libGLX_nvidia|nvidia.*cannot open shared object/i.test(dawnLog))) {
    return `the NVIDIA driver is loaded but its Vulkan driver (nvidia_icd.json, libGLX_nvidia.so.0) is not usable: ${containerFix(f.capabilities)}`;
  }
  if (f.icdFiles.length === 0) {
    return "no Vulkan driver (ICD) is installed: install the GPU's Vulkan driver (NVIDIA: the driver's nvidia_icd.json; AMD/Intel: mesa-vulkan-drivers) or point VK_ICD_FILENAMES at its ICD json";
  }
  if (f.icdFiles.every((p) => /lvp_icd/i.test(basename(p)))) {
    return "only Mesa's lavapipe (lvp_icd) is installed, which Dawn refuses: install the GPU's Vulkan driver";
  }
  const said = dawnLog
    .split("\n")
    .find((l) => /^Warning:/.test(l.trim()))
    ?.trim();
  return `Dawn found no usable adapter among ${f.icdFiles.map((p) => basename(p)).join(", ")}${said ? ` (${said.slice(0, 200)})` : ""}: check the driver with vulkaninfo --summary`;
}
