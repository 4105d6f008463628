import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/init";
import { AgentError } from "../errors";
import { checkImagenetResnet152, ensurePretrainedWeights, torchvisionShapes } from "./pretrained";
import { buildResNet, disposeResNet } from "./resnet";
import { type NamedTensor, readSafetensors, writeSafetensors } from "./safetensors";
import { exportTorchvisionTensors, loadTorchvisionTensors, loadWeightsFile, saveCheckpoint } from "./weights";

const fixtures = join(import.meta.dirname, "../../test/fixtures");
const tiny = { blocks: [1, 1, 1, 1], widths: [4, 8, 16, 32], numClasses: 10, imageSize: 32 } as const;
const dir = mkdtempSync(join(tmpdir(), "ai623-weights-"));

beforeAll(async () => {
  await initBackend("wasm");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function catchError(fn: () => unknown): AgentError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AgentError);
    return e as AgentError;
  }
  throw new Error("expected an AgentError");
}

/** A hand-made file: F16 and BF16 tensors, an I64 buffer, offsets relative to the data start. */
function handMade(): Uint8Array {
  const header = {
    __metadata__: { format: "pt" },
    h: { dtype: "F16", shape: [3], data_offsets: [0, 6] },
    b: { dtype: "BF16", shape: [2], data_offsets: [6, 10] },
    "bn.num_batches_tracked": { dtype: "I64", shape: [], data_offsets: [10, 18] },
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + 18);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  const d = 8 + json.length;
  [0x3c00, 0xc000, 0x3555].forEach((h, i) => {
    v.setUint16(d + 2 * i, h, true);
  }); // 1, -2, ≈0.33325
  [0x3fc0, 0xbf80].forEach((h, i) => {
    v.setUint16(d + 6 + 2 * i, h, true);
  }); // 1.5, -1
  v.setBigInt64(d + 10, 7n, true);
  return out;
}

describe("safetensors", () => {
  it("round-trips float32 tensors and metadata", () => {
    const tensors: NamedTensor[] = [
      { name: "a.weight", shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -7]) },
      { name: "b", shape: [], data: Float32Array.from([42]) },
    ];
    const bytes = writeSafetensors(tensors, { format: "pt" });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ format: "pt" });
    expect([...back.tensors.values()]).toEqual(tensors);
  });

  it("reads F16 and BF16 as float32 and skips I64 buffers", () => {
    const f = readSafetensors(handMade());
    expect(Array.from(f.tensors.get("h")!.data)).toEqual([1, -2, expect.closeTo(0.33325, 4)]);
    expect(Array.from(f.tensors.get("b")!.data)).toEqual([1.5, -1]);
    expect([...f.skipped]).toEqual([["bn.num_batches_tracked", "I64"]]);
  });

  it("rejects truncated files with a clear error", () => {
    const bytes = handMade();
    const e = catchError(() => readSafetensors(bytes.subarray(0, bytes.length - 4), "x.safetensors"));
    expect(e.code).toBe("BAD_SAFETENSORS");
    expect(e.message).toContain("x.safetensors");
  });
});

describe("torchvision weights", () => {
  const fixture = readSafetensors(readFileSync(join(fixtures, "tiny-weights.safetensors")));

  it("exports exactly what it loaded, in torchvision layout", async () => {
    const net = buildResNet(tiny);
    const report = loadTorchvisionTensors(net, fixture);
    expect(report.ignored.every((k) => k.endsWith("num_batches_tracked"))).toBe(true);
    const exported = await exportTorchvisionTensors(net);
    expect(exported.map((t) => t.name)).toEqual([...fixture.tensors.keys()]);
    for (const t of exported) expect(t, t.name).toEqual(fixture.tensors.get(t.name));
    disposeResNet(net);
  });

  it("lists every missing, unexpected and mis-shaped tensor in one error", () => {
    const net = buildResNet(tiny);
    const tensors = new Map(fixture.tensors);
    tensors.delete("layer2.0.bn1.running_var");
    tensors.delete("layer1.0.conv2.weight");
    tensors.set("layer9.0.conv1.weight", { name: "layer9.0.conv1.weight", shape: [1], data: new Float32Array(1) });
    tensors.set("bn1.weight", { name: "bn1.weight", shape: [5], data: new Float32Array(5) });
    const e = catchError(() => loadTorchvisionTensors(net, { tensors, skipped: new Map() }, "bad.safetensors"));
    expect(e.code).toBe("WEIGHTS_MISMATCH");
    expect(e.message).toMatch(/missing 2: layer1\.0\.conv2\.weight, layer2\.0\.bn1\.running_var/);
    expect(e.message).toContain("unexpected 1: layer9.0.conv1.weight");
    expect(e.message).toContain("bn1.weight is [5], expected [4]");
    disposeResNet(net);
  });

  it("keeps a fresh classifier when the class count differs", () => {
    const net = buildResNet({ ...tiny, numClasses: 3, seed: 1 });
    const fc = net.model.getLayer("fc").getWeights()[0]!.dataSync().slice();
    const report = loadTorchvisionTensors(net, fixture);
    expect(report.skipped).toEqual(["fc.weight", "fc.bias"]);
    expect(net.model.getLayer("fc").getWeights()[0]!.dataSync()).toEqual(fc);
    expect(net.model.getLayer("conv1").getWeights()[0]!.shape).toEqual([7, 7, 3, 4]);
    disposeResNet(net);
  });

  it("saves checkpoints that load back to identical outputs", async () => {
    const a = buildResNet({ ...tiny, disabledSkips: ["layer3.0"], seed: 3 });
    const path = join(dir, "ckpt.safetensors");
    await saveCheckpoint(a, path, { epoch: "1" });
    expect(readSafetensors(readFileSync(path)).metadata).toEqual({ format: "pt", epoch: "1" });
    const b = buildResNet({ ...tiny, disabledSkips: ["layer3.0"], seed: 4 });
    expect((await loadWeightsFile(b, path)).loaded).toBe((await exportTorchvisionTensors(a)).length);
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 1);
    const [ya, yb] = [a, b].map((n) => (n.model.predict(x) as tf.Tensor).dataSync());
    expect(yb).toEqual(ya);
    x.dispose();
    disposeResNet(a);
    disposeResNet(b);
  });
});

describe("pretrained ImageNet weights", () => {
  it("knows ResNet-152's exact tensor set", () => {
    const shapes = torchvisionShapes([3, 8, 36, 3], 1000);
    const params = [...shapes]
      .filter(([k]) => !k.includes("running_"))
      .reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
    expect(params).toBe(60_192_808);
  });

  it("rejects a file that is not ImageNet ResNet-152", async () => {
    const path = join(dir, "tiny.safetensors");
    writeFileSync(path, readFileSync(join(fixtures, "tiny-weights.safetensors")));
    await expect(checkImagenetResnet152(path)).rejects.toThrow(/not torchvision's ImageNet ResNet-152.*missing: /);
    writeFileSync(path, readFileSync(join(fixtures, "tiny-weights.safetensors")).subarray(0, 5000));
    await expect(checkImagenetResnet152(path)).rejects.toThrow(/truncated/);
  });

  it("offline, says which file to fetch and where to put it", async () => {
    const cacheDir = join(dir, "cache");
    const err = await ensurePretrainedWeights({
      weights: "imagenet1k_v1",
      cacheDir,
      endpoint: "http://127.0.0.1:9",
      progress: "none",
      log: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe("DOWNLOAD_FAILED");
    expect((err as AgentError).message).toContain("timm/resnet152.tv_in1k/resolve/main/model.safetensors");
    expect((err as AgentError).message).toContain(
      join(cacheDir, "weights", "timm--resnet152.tv_in1k", "model.safetensors"),
    );
  });

  it("refuses --weights whose hash is not the known one", async () => {
    const path = join(dir, "fake.safetensors");
    writeFileSync(path, "not weights");
    await expect(
      ensurePretrainedWeights({ weights: "imagenet1k_v1", cacheDir: dir, weightsPath: path }),
    ).rejects.toThrow(/sha256 .* but timm\/resnet152\.tv_in1k is 15897077/);
  });
});
