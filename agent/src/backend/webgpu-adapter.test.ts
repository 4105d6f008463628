import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gpuAdapterSchema } from "@ai623/shared";
import { describe, expect, it } from "vitest";
import {
  defaultGpuMemoryMb,
  describeAdapter,
  explainNoAdapter,
  formatAdapter,
  gatherVulkanFacts,
  isSoftwareAdapter,
  parseNvidiaSmi,
  type RawAdapter,
  resolveGpuMemoryBudget,
  type VulkanFacts,
} from "./webgpu-adapter";

// As Dawn 0.6.2 reports them: SwiftShader (measured here) and an NVIDIA card through its Vulkan driver.
const swiftshader: RawAdapter = {
  vendor: "google",
  architecture: "swiftshader",
  device: "swiftshader-device-subzero-",
  description: "SwiftShader driver 5.0.0",
  isFallbackAdapter: true,
  maxBufferSize: 2 ** 30,
  maxStorageBufferBindingSize: 2 ** 30,
};
const h100: RawAdapter = {
  vendor: "nvidia",
  architecture: "hopper",
  device: "",
  description: "NVIDIA H100 80GB HBM3",
  isFallbackAdapter: false,
  maxBufferSize: 2 ** 40,
  maxStorageBufferBindingSize: 2 ** 32 - 4,
};
const gib = 2 ** 30;

describe("the adapter as the run records it", () => {
  it("marks SwiftShader, lavapipe and fallback adapters as software, a GPU not", () => {
    expect(isSoftwareAdapter(swiftshader)).toBe(true);
    expect(isSoftwareAdapter({ ...swiftshader, isFallbackAdapter: false })).toBe(true);
    expect(isSoftwareAdapter({ ...h100, description: "llvmpipe (LLVM 15.0.6, 256 bits)" })).toBe(true);
    expect(isSoftwareAdapter({ ...h100, isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter(h100)).toBe(false);
  });

  it("describes an adapter in the shape the server validates, with its memory budget", () => {
    const a = describeAdapter(h100, () => ({ mb: 73_000, source: "test" }));
    expect(gpuAdapterSchema.parse(a)).toEqual(a);
    expect(a).toMatchObject({ software: false, memoryBudgetMb: 73_000, maxBufferSize: 2 ** 40 });
    expect(formatAdapter(a)).toBe(
      "NVIDIA H100 80GB HBM3 (nvidia hopper); buffers ≤ 1048576 MiB, storage bindings ≤ 4095 MiB; memory budget 73000 MB",
    );
    const soft = describeAdapter(swiftshader, () => ({ mb: 8, source: "test" }));
    expect(formatAdapter(soft)).toContain("(google swiftshader, software)");
    expect(describeAdapter({ ...h100, description: "" }, () => ({ mb: 1, source: "" })).description).toBe(
      "nvidia hopper",
    );
  });
});

describe("the GPU memory budget", () => {
  const cards = [
    { name: "NVIDIA A10", totalMb: 23_028 },
    { name: "NVIDIA H100 80GB HBM3", totalMb: 81_559 },
  ];
  it("takes the setting first, then 90 % of the matching NVIDIA card, the smallest when none matches", () => {
    const nvidia = () => cards;
    expect(resolveGpuMemoryBudget({ ...h100, software: false }, { settingMb: 5000, nvidia })).toMatchObject({
      mb: 5000,
    });
    expect(resolveGpuMemoryBudget({ ...h100, software: false }, { nvidia })).toEqual({
      mb: 73_403,
      source: "90 % of NVIDIA H100 80GB HBM3's 81559 MiB (nvidia-smi)",
    });
    const other = { ...h100, description: "NVIDIA L4", software: false };
    expect(resolveGpuMemoryBudget(other, { nvidia }).mb).toBe(Math.floor(23_028 * 0.9));
    // no nvidia-smi: the documented default
    expect(resolveGpuMemoryBudget(other, { nvidia: () => null }).mb).toBe(defaultGpuMemoryMb);
    const amd = { vendor: "amd", description: "AMD Radeon RX 7900 XTX (RADV NAVI31)", software: false };
    expect(resolveGpuMemoryBudget(amd, { nvidia })).toMatchObject({
      mb: defaultGpuMemoryMb,
      source: /AI623_GPU_MEMORY_MB/,
    });
  });
  it("gives a software adapter half of the host's RAM", () => {
    const budget = resolveGpuMemoryBudget({ ...swiftshader, software: true }, { hostMemoryBytes: 24 * gib });
    expect(budget.mb).toBe(12 * 1024);
  });
  it("reads nvidia-smi's CSV, names with commas included, and ignores its error lines", () => {
    expect(parseNvidiaSmi("NVIDIA A10, 23028\nNVIDIA H100 80GB HBM3, 81559\n")).toEqual(cards);
    expect(parseNvidiaSmi("Tesla, Inc. X, 100\n")).toEqual([{ name: "Tesla, Inc. X", totalMb: 100 }]);
    expect(parseNvidiaSmi("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.")).toEqual([]);
  });
});

describe("why there is no adapter", () => {
  const base: VulkanFacts = {
    loader: true,
    icdFiles: ["/usr/share/vulkan/icd.d/nvidia_icd.json"],
    icdFromEnv: false,
    nvidiaDriver: true,
    capabilities: "compute,utility",
  };
  const exists = () => true;
  // What Dawn printed here with libvulkan.so.1 hidden, and with an ICD file that does not exist.
  const noLoaderLog =
    "Warning: Couldn't load Vulkan: /lib/x86_64-linux-gnu/libvulkan.so.1: file too short\n    at operator() (BackendVk.cpp:368)";
  const noDriverLog =
    "Warning: vkCreateInstance: Found no drivers!\nWarning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER";

  it("names the missing piece and its fix", () => {
    expect(explainNoAdapter({ ...base, loader: false }, "", exists)).toMatch(/apt-get install libvulkan1/);
    expect(explainNoAdapter(base, noLoaderLog, exists)).toMatch(/libvulkan1/);
    // NVIDIA driver loaded, Vulkan part not mounted into the container
    const noIcd = explainNoAdapter({ ...base, icdFiles: [] }, noDriverLog, exists);
    expect(noIcd).toMatch(/NVIDIA_DRIVER_CAPABILITIES=compute,graphics,utility \(now "compute,utility"\)/);
    const noGlx = "loader_icd_scan: libGLX_nvidia.so.0: cannot open shared object file";
    expect(explainNoAdapter(base, noGlx, exists)).toMatch(/NVIDIA_DRIVER_CAPABILITIES/);
    const plain = { ...base, nvidiaDriver: false, capabilities: undefined };
    expect(explainNoAdapter({ ...plain, icdFiles: [] }, noDriverLog, exists)).toMatch(
      /install the GPU's Vulkan driver/,
    );
    const lvp = { ...plain, icdFiles: ["/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"] };
    expect(explainNoAdapter(lvp, "", exists)).toMatch(/lavapipe.*Dawn refuses/);
    const radv = { ...plain, icdFiles: ["/usr/share/vulkan/icd.d/radeon_icd.x86_64.json"] };
    expect(explainNoAdapter(radv, noDriverLog, exists)).toMatch(
      /radeon_icd.x86_64.json \(Warning: vkCreateInstance.*vulkaninfo/,
    );
  });

  it("checks the ICD files VK_ICD_FILENAMES names", () => {
    const dir = mkdtempSync(join(tmpdir(), "ai623-icd-"));
    try {
      const icd = join(dir, "my_icd.json");
      writeFileSync(icd, "{}");
      const facts = gatherVulkanFacts({ VK_ICD_FILENAMES: `${icd}:${join(dir, "gone.json")}` });
      expect(facts).toMatchObject({ icdFiles: [icd, join(dir, "gone.json")], icdFromEnv: true });
      expect(explainNoAdapter({ ...facts, loader: true, nvidiaDriver: false })).toBe(
        `VK_ICD_FILENAMES names ${join(dir, "gone.json")}, which does not exist: point it at the driver's ICD json`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
