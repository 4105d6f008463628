// The comparisons of the TF.js network with torchvision on a parity fixture (make-parity-fixture.py),
// as named numbers with their bound. Shared by src/model/parity.test.ts (wasm, under vitest) and
// test/gpu-parity.ts (any backend, a plain script: the GPU check runs it where vitest is not
// installed). Reads tensors with data(), never dataSync(): webgpu cannot read synchronously in Node.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { buildResNet, disposeResNet, type ResNetOptions } from "../src/model/resnet";
import { type NamedTensor, readSafetensors } from "../src/model/safetensors";
import { loadTorchvisionTensors } from "../src/model/weights";
import { crossEntropy } from "../src/train/train-step";

export interface ParityFixture {
  io: Map<string, NamedTensor>;
  weights: ReturnType<typeof readSafetensors>;
  /** the blocks whose residual add logits_disabled removes */
  disabled: string[];
}

/** One comparison: `value` must stay below `max` (a difference) or above `min` (a sanity check). */
export interface ParityCheck {
  name: string;
  value: number;
  max?: number;
  min?: number;
}

export const checkPassed = (c: ParityCheck) =>
  (c.max === undefined || c.value < c.max) && (c.min === undefined || c.value > c.min);

export const tinyOptions = { blocks: [1, 1, 1, 1], widths: [4, 8, 16, 32], numClasses: 10, imageSize: 32 };

export function readParityFixture(dir: string, arch: string): ParityFixture {
  const io = readSafetensors(readFileSync(join(dir, `${arch}-io.safetensors`)));
  const weights = readSafetensors(readFileSync(join(dir, `${arch}-weights.safetensors`)));
  return { io: io.tensors, weights, disabled: io.metadata.disabled!.split(",") };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} against ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const fixtureTensor = (f: ParityFixture, key: string) => {
  const t = f.io.get(key);
  if (!t) throw new Error(`the parity fixture has no "${key}"`);
  return t;
};

/** A network built with `options` and loaded with the fixture's weights, every tensor of it found. */
function loadedNet(options: ResNetOptions, f: ParityFixture) {
  const net = buildResNet(options);
  const report = loadTorchvisionTensors(net, f.weights);
  if (report.skipped.length) throw new Error(`weights not loaded: ${report.skipped.join(", ")}`);
  return net;
}

/** Eval-mode logits of a network built with `options`, the fixture's weights and `disabled` skips. */
export async function evalLogits(options: ResNetOptions, f: ParityFixture, disabled: string[]): Promise<Float32Array> {
  const net = loadedNet({ ...options, disabledSkips: disabled }, f);
  try {
    const input = fixtureTensor(f, "input");
    const logits = tf.tidy(() => net.model.predict(tf.tensor(input.data, input.shape)) as tf.Tensor);
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    return values;
  } finally {
    disposeResNet(net);
  }
}

/** Eval-mode logits, with and without the fixture's disabled skips, within `max` of torchvision's. */
export async function evalChecks(options: ResNetOptions, f: ParityFixture, max = 1e-3): Promise<ParityCheck[]> {
  const plain = await evalLogits(options, f, []);
  const disabled = await evalLogits(options, f, f.disabled);
  return [
    { name: "eval logits", value: maxAbsDiff(plain, fixtureTensor(f, "logits").data), max },
    {
      name: `eval logits, skips disabled in ${f.disabled.join(", ")}`,
      value: maxAbsDiff(disabled, fixtureTensor(f, "logits_disabled").data),
      max,
    },
    // The variants really differ, so the comparisons above are not vacuous.
    { name: "the two variants differ", value: maxAbsDiff(plain, disabled), min: 1e-2 },
  ];
}

/** A train-mode forward: batch statistics, and running stats updated as PyTorch's train mode does. */
export async function trainModeChecks(options: ResNetOptions, f: ParityFixture): Promise<ParityCheck[]> {
  const net = loadedNet(options, f);
  try {
    const input = fixtureTensor(f, "input");
    const logits = tf.tidy(() => net.model.apply(tf.tensor(input.data, input.shape), { training: true }) as tf.Tensor);
    const got = await logits.data();
    logits.dispose();
    const stat = (layer: string, i: number) => net.model.getLayer(layer).getWeights()[i]!.data();
    const want = (key: string) => fixtureTensor(f, `after_train.${key}`).data;
    return [
      { name: "train-mode logits", value: maxAbsDiff(got, fixtureTensor(f, "logits_train").data), max: 1e-3 },
      { name: "bn1 running mean", value: maxAbsDiff(await stat("bn1", 2), want("bn1.running_mean")), max: 1e-5 },
      // Unbiased batch variance (n/(n-1)) in the running average, as torch.nn.BatchNorm2d.
      { name: "bn1 running var", value: maxAbsDiff(await stat("bn1", 3), want("bn1.running_var")), max: 1e-5 },
      {
        name: "layer4.0.bn3 running var",
        value: maxAbsDiff(await stat("layer4.0.bn3", 3), want("layer4.0.bn3.running_var")),
        max: 1e-4,
      },
    ];
  } finally {
    disposeResNet(net);
  }
}

/** Train-mode gradients of the cross-entropy, relative to the largest of PyTorch's, per fixture tensor. */
export async function gradientChecks(options: ResNetOptions, f: ParityFixture, max = 1e-3): Promise<ParityCheck[]> {
  const net = loadedNet(options, f);
  const labels = tf.tensor1d(Array.from(fixtureTensor(f, "labels").data), "int32");
  const input = fixtureTensor(f, "input");
  const xs = tf.tensor(input.data, input.shape);
  const vars = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => crossEntropy(net.model.apply(xs, { training: true }) as tf.Tensor2D, labels),
    vars,
  );
  try {
    // torchvision's layouts: conv OIHW (ours HWIO), fc [out, in] (ours [in, out]), BN weight/bias
    const byKey = new Map<string, tf.Tensor>();
    for (const w of net.model.trainableWeights) {
      const [layer, kind] = w.originalName.split("/") as [string, string];
      const g = grads[(w.read() as tf.Variable).name]!;
      if (kind === "kernel" && g.rank === 4) byKey.set(`${layer}.weight`, tf.transpose(g, [3, 2, 0, 1]));
      else if (kind === "kernel") byKey.set(`${layer}.weight`, tf.transpose(g));
      else byKey.set(`${layer}.${kind === "gamma" ? "weight" : "bias"}`, g);
    }
    const checks: ParityCheck[] = [];
    for (const k of [...f.io.keys()].filter((key) => key.startsWith("grad."))) {
      const want = fixtureTensor(f, k).data;
      const got = byKey.get(k.slice("grad.".length));
      if (!got) throw new Error(`no gradient for ${k.slice("grad.".length)}`);
      const scale = maxAbsDiff(want, new Float32Array(want.length));
      checks.push({ name: `${k} scale`, value: scale, min: 0 });
      checks.push({ name: `${k} relative`, value: maxAbsDiff(await got.data(), want) / scale, max });
    }
    tf.dispose([...byKey.values()]);
    return checks;
  } finally {
    tf.dispose([value, xs, labels, ...Object.values(grads)]);
    disposeResNet(net);
  }
}
