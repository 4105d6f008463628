// The TF.js network equals torchvision's on the same weights and inputs, on wasm and on webgpu
// (SwiftShader here, test/swiftshader.ts). The tiny fixture (blocks [1,1,1,1], widths /16, same code
// path) is committed; the real ResNet-152's is generated here by test/fixtures/make-parity-fixture.py
// when Debian's python3-torch is present (one forward on webgpu: SwiftShader compiles for minutes).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initTestBackend, swiftShader } from "../../test/swiftshader";
import { initBackend } from "../backend/init";
import { crossEntropy } from "../train/train-step";
import { buildResNet, disposeResNet, type ResNetOptions } from "./resnet";
import { type NamedTensor, readSafetensors, writeSafetensors } from "./safetensors";
import { loadTorchvisionTensors, saveCheckpoint } from "./weights";

const fixtures = join(import.meta.dirname, "../../test/fixtures");
const python = process.env.AI623_PYTHON ?? "/usr/bin/python3";
const slow = process.env.AI623_FAST === "1";

function readIo(dir: string, arch: string) {
  const io = readSafetensors(readFileSync(join(dir, `${arch}-io.safetensors`)));
  const weights = readSafetensors(readFileSync(join(dir, `${arch}-weights.safetensors`)));
  return { io: io.tensors, weights, disabled: io.metadata.disabled!.split(",") };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A tensor's values, then disposed; asynchronous: webgpu cannot read synchronously under Node. */
async function take(t: tf.Tensor): Promise<Float32Array> {
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

/** Eval-mode logits of a freshly built network loaded with the fixture's weights. */
async function forward(options: ResNetOptions, f: ReturnType<typeof readIo>, disabled: string[]) {
  const net = buildResNet({ ...options, disabledSkips: disabled });
  const report = loadTorchvisionTensors(net, f.weights);
  expect(report.skipped).toEqual([]);
  const input = f.io.get("input") as NamedTensor;
  const logits = await take(tf.tidy(() => net.model.predict(tf.tensor(input.data, input.shape)) as tf.Tensor));
  disposeResNet(net);
  return logits;
}

for (const backend of ["wasm", "webgpu"] as const) {
  describe.skipIf(backend === "webgpu" && swiftShader.skip)(
    `parity with torchvision on ${backend} (tiny, committed fixture)`,
    () => {
      beforeAll(() => initTestBackend(backend));
      const f = readIo(fixtures, "tiny");
      const options = { blocks: [1, 1, 1, 1], widths: [4, 8, 16, 32], numClasses: 10, imageSize: 32 };

      it("gives the same eval-mode logits, with and without disabled skips", async () => {
        const plain = await forward(options, f, []);
        const disabled = await forward(options, f, f.disabled);
        expect(maxAbsDiff(plain, f.io.get("logits")!.data)).toBeLessThan(1e-3);
        expect(maxAbsDiff(disabled, f.io.get("logits_disabled")!.data)).toBeLessThan(1e-3);
        // The variants really differ, so the comparison above is not vacuous.
        expect(maxAbsDiff(plain, disabled)).toBeGreaterThan(1e-2);
      });

      it("normalises with batch statistics and updates running stats as PyTorch's train mode does", async () => {
        const net = buildResNet(options);
        loadTorchvisionTensors(net, f.weights);
        const input = f.io.get("input")!;
        const logits = await take(
          tf.tidy(() => net.model.apply(tf.tensor(input.data, input.shape), { training: true }) as tf.Tensor),
        );
        expect(maxAbsDiff(logits, f.io.get("logits_train")!.data)).toBeLessThan(1e-3);
        const stat = (layer: string, i: number) => net.model.getLayer(layer).getWeights()[i]!.data();
        expect(maxAbsDiff(await stat("bn1", 2), f.io.get("after_train.bn1.running_mean")!.data)).toBeLessThan(1e-5);
        // Unbiased batch variance (n/(n-1)) in the running average, as torch.nn.BatchNorm2d.
        expect(maxAbsDiff(await stat("bn1", 3), f.io.get("after_train.bn1.running_var")!.data)).toBeLessThan(1e-5);
        expect(
          maxAbsDiff(await stat("layer4.0.bn3", 3), f.io.get("after_train.layer4.0.bn3.running_var")!.data),
        ).toBeLessThan(1e-4);
        disposeResNet(net);
      });

      it("gives PyTorch's gradients in train mode (conv filter and input gradients, BN gradient)", async () => {
        const net = buildResNet(options);
        loadTorchvisionTensors(net, f.weights);
        const input = f.io.get("input")!;
        const labels = tf.tensor1d(Array.from(f.io.get("labels")!.data), "int32");
        const xs = tf.tensor(input.data, input.shape);
        const vars = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(
          () => crossEntropy(net.model.apply(xs, { training: true }) as tf.Tensor2D, labels),
          vars,
        );
        const byKey = new Map<string, tf.Tensor>();
        for (const w of net.model.trainableWeights) {
          const layer = w.originalName.split("/")[0]!;
          const kind = w.originalName.split("/")[1]!;
          const g = grads[(w.read() as tf.Variable).name]!;
          if (kind === "kernel" && g.rank === 4) byKey.set(`${layer}.weight`, tf.transpose(g, [3, 2, 0, 1]));
          else if (kind === "kernel") byKey.set(`${layer}.weight`, tf.transpose(g));
          else byKey.set(`${layer}.${kind === "gamma" ? "weight" : "bias"}`, g);
        }
        const expected = [...f.io.keys()].filter((k) => k.startsWith("grad."));
        expect(expected.length).toBe(7);
        for (const k of expected) {
          const want = f.io.get(k)!.data;
          const got = await byKey.get(k.slice("grad.".length))!.data();
          const scale = Math.max(...Array.from(want, Math.abs));
          expect(scale, k).toBeGreaterThan(0);
          expect(maxAbsDiff(got, want) / scale, k).toBeLessThan(1e-3);
        }
        tf.dispose([value, xs, labels, ...Object.values(grads), ...byKey.values()]);
        disposeResNet(net);
      });
    },
  );
}

const haveTorch = spawnSync(python, ["-c", "import torch, torchvision"], { stdio: "ignore" }).status === 0;
describe.skipIf(!haveTorch && process.env.CI !== "true")("checkpoints in PyTorch", () => {
  beforeAll(() => initBackend("wasm"));
  it("load with load_state_dict(strict=True) and give the same logits", async () => {
    expect(haveTorch, `${python} cannot import torch: apt-get install python3-torch python3-torchvision`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "ai623-ckpt-"));
    try {
      const options = { blocks: [1, 1, 1, 1], widths: [4, 8, 16, 32], numClasses: 10, imageSize: 32 };
      const net = buildResNet({ ...options, disabledSkips: ["layer3.0"], seed: 11 });
      // Non-trivial running stats, as after training.
      for (const l of net.model.layers.filter((x) => x.getClassName() === "BatchNormalization")) {
        const [g, b, m, v] = l.getWeights();
        l.setWeights([
          g!,
          b!,
          tf.randomNormal(m!.shape, 0, 0.1, "float32", 1),
          tf.randomUniform(v!.shape, 0.5, 2, "float32", 2),
        ]);
      }
      await saveCheckpoint(net, join(dir, "ckpt.safetensors"));
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 3);
      const input: NamedTensor = { name: "input", shape: x.shape, data: x.dataSync() as Float32Array };
      writeFileSync(join(dir, "in.safetensors"), writeSafetensors([input], { disabled: "layer3.0" }));
      const ours = (net.model.predict(x) as tf.Tensor).dataSync();
      const args = ["--arch", "tiny", "--load", join(dir, "ckpt.safetensors"), "--input", join(dir, "in.safetensors")];
      const run = spawnSync(
        python,
        [join(fixtures, "make-parity-fixture.py"), ...args, "--out", join(dir, "out.safetensors")],
        {
          encoding: "utf8",
        },
      );
      expect(run.status, run.stderr).toBe(0);
      const theirs = readSafetensors(readFileSync(join(dir, "out.safetensors"))).tensors.get("logits")!.data;
      expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-4);
      x.dispose();
      disposeResNet(net);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// CI must run the full check: there a missing python3-torch fails the test instead of skipping it.
describe.skipIf(slow || (!haveTorch && process.env.CI !== "true"))("parity with torchvision (ResNet-152)", () => {
  let dir = "";
  beforeAll(() => initBackend("wasm"));
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("gives the same logits as torchvision's resnet152, with and without disabled skips", async () => {
    expect(haveTorch, `${python} cannot import torch: apt-get install python3-torch python3-torchvision`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), "ai623-parity-"));
    const script = join(fixtures, "make-parity-fixture.py");
    const made = spawnSync(python, [script, "--arch", "resnet152", "--out", dir, "--image-size", "64"], {
      encoding: "utf8",
    });
    expect(made.status, made.stderr).toBe(0);
    const f = readIo(dir, "resnet152");
    const options = { arch: "resnet152", numClasses: 10, imageSize: 64 } as const;
    const plain = await forward(options, f, []);
    expect(maxAbsDiff(plain, f.io.get("logits")!.data)).toBeLessThan(1e-3);
    const disabled = await forward(options, f, f.disabled);
    expect(maxAbsDiff(disabled, f.io.get("logits_disabled")!.data)).toBeLessThan(1e-3);
    expect(maxAbsDiff(plain, disabled)).toBeGreaterThan(1e-2);
  }, 600_000);

  // Measured: 6.6e-4 (wasm: below 1e-4); one forward at 64 px, batch 2, takes ≈ 50 s on SwiftShader.
  it.skipIf(swiftShader.skip)(
    "gives the same logits on webgpu (SwiftShader), one forward",
    async () => {
      expect(dir, "the wasm test above made the fixture").not.toBe("");
      await initTestBackend("webgpu");
      const f = readIo(dir, "resnet152");
      const logits = await forward({ arch: "resnet152", numClasses: 10, imageSize: 64 }, f, []);
      expect(maxAbsDiff(logits, f.io.get("logits")!.data)).toBeLessThan(1e-3);
    },
    600_000,
  );
});
