// `ai623-agent eval`: top-1 accuracy of a torchvision-named checkpoint on a CIFAR test split, and
// optionally its logits (an array per image, in file order) for comparison with PyTorch.
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { numClasses as classesOf, type DatasetId, datasetSchema, resnetDepths } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { parseBackendName } from "../backend/init";
import { selectBackend } from "../backend/probe";
import { imageChannels } from "../data/cifar-layout";
import { loadCifar } from "../data/load-dataset";
import { createImageTransform, noAugmentation, transformImage } from "../data/transform";
import { AgentError } from "../errors";
import { buildResNet, disposeResNet } from "../model/resnet";
import { type NamedTensor, readSafetensors } from "../model/safetensors";
import { loadTorchvisionTensors } from "../model/weights";
import { resolveCacheDir } from "../util/cache-dir";

export interface EvalOptions {
  weights: string;
  dataset: string;
  dataDir: string;
  imageSize?: string | number;
  limit?: string | number;
  logitsOut?: string;
  /** comma-separated block names, e.g. `layer3.0,layer4.1` */
  disabledSkips?: string;
  backend?: string;
  batchSize?: string | number;
  cacheDir?: string;
  /** base for relative paths; injectable for tests */
  cwd?: string;
  log?: (message: string) => void;
}

export interface EvalResult {
  backend: string;
  count: number;
  correct: number;
  accuracy: number;
  logitsOut?: string;
}

function parseWhole(name: string, value: string | number | undefined, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AgentError("INVALID_ARGUMENT", `--${name} must be a whole number from ${min} to ${max}, got "${value}".`);
  }
  return n;
}

/** Depth, widths and classes of a torchvision-style ResNet state dict. */
export function inferResNetShape(tensors: Map<string, NamedTensor>, what: string) {
  const blocks = [0, 0, 0, 0];
  for (const key of tensors.keys()) {
    const m = /^layer([1-4])\.(\d+)\.conv1\.weight$/.exec(key);
    if (m) blocks[Number(m[1]) - 1] = Math.max(blocks[Number(m[1]) - 1]!, Number(m[2]) + 1);
  }
  const widths = [1, 2, 3, 4].map((s) => tensors.get(`layer${s}.0.conv1.weight`)?.shape[0] ?? 0);
  const fc = tensors.get("fc.weight");
  if (blocks.includes(0) || widths.includes(0) || !fc) {
    throw new AgentError("WEIGHTS_MISMATCH", `${what} is not a torchvision ResNet state dict (no layer1–4 or fc)`);
  }
  const arch = Object.entries(resnetDepths).find(([, d]) => d.join() === blocks.join())?.[0];
  return { blocks, widths, numClasses: fc.shape[0]!, arch };
}

export async function runEval(opt: EvalOptions): Promise<EvalResult> {
  const log = opt.log ?? console.log;
  const cwd = opt.cwd ?? process.cwd();
  const parsed = datasetSchema.safeParse(opt.dataset);
  if (!parsed.success) {
    throw new AgentError("INVALID_ARGUMENT", `--dataset must be cifar10 or cifar100, got "${opt.dataset}".`);
  }
  const dataset: DatasetId = parsed.data;
  const imageSize = parseWhole("image-size", opt.imageSize, 32, 32, 224);
  const limit = parseWhole("limit", opt.limit, Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER);
  const batchSize = parseWhole("batch-size", opt.batchSize, 64, 1, 4096);
  const disabledSkips = (opt.disabledSkips ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const weightsPath = resolve(cwd, opt.weights);

  let bytes: Buffer;
  try {
    bytes = await readFile(weightsPath);
  } catch (e) {
    throw new AgentError("WEIGHTS_UNREADABLE", `Cannot read --weights ${weightsPath}: ${(e as Error).message}`);
  }
  const file = readSafetensors(bytes, weightsPath);
  const shape = inferResNetShape(file.tensors, weightsPath);
  if (shape.numClasses !== classesOf(dataset)) {
    throw new AgentError(
      "WEIGHTS_MISMATCH",
      `${weightsPath} has a ${shape.numClasses}-class head but ${dataset} has ${classesOf(dataset)} classes: evaluate a checkpoint trained on ${dataset}.`,
    );
  }
  const choice = await selectBackend(opt.backend ? parseBackendName(opt.backend) : undefined);
  log(`backend: ${choice.backend} (${choice.reason})`);
  const data = await loadCifar({
    dataset,
    cacheDir: resolveCacheDir({ cacheDir: opt.cacheDir }),
    dataDir: resolve(cwd, opt.dataDir),
    log,
  });
  const net = buildResNet({
    ...(shape.arch
      ? { arch: shape.arch as keyof typeof resnetDepths }
      : { blocks: shape.blocks, widths: shape.widths }),
    numClasses: shape.numClasses,
    imageSize,
    disabledSkips,
  });
  try {
    loadTorchvisionTensors(net, file, weightsPath);
    const split = data.test;
    const count = Math.min(limit, split.count);
    const transform = createImageTransform(imageSize);
    const per = imageSize * imageSize * imageChannels;
    const inBytes = 32 * 32 * imageChannels;
    const logits: number[][] = [];
    let correct = 0;
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const x = new Float32Array(n * per);
      for (let i = 0; i < n; i++)
        transformImage(transform, split.images, (start + i) * inBytes, noAugmentation, x, i * per);
      const out = tf.tidy(() => net.model.predict(tf.tensor4d(x, [n, imageSize, imageSize, 3])) as tf.Tensor2D);
      const rows = (await out.array()) as number[][];
      out.dispose();
      rows.forEach((row, i) => {
        const best = row.indexOf(Math.max(...row));
        if (best === split.labels[start + i]) correct++;
        if (opt.logitsOut) logits.push(row);
      });
    }
    const result: EvalResult = { backend: choice.backend, count, correct, accuracy: count ? correct / count : 0 };
    if (opt.logitsOut) {
      result.logitsOut = resolve(cwd, opt.logitsOut);
      await writeFile(result.logitsOut, JSON.stringify(logits));
    }
    log(
      `accuracy ${(100 * result.accuracy).toFixed(2)} % (${correct}/${count}) on the ${dataset} test split at ${imageSize} px` +
        (result.logitsOut ? `; logits in ${result.logitsOut}` : ""),
    );
    return result;
  } finally {
    disposeResNet(net);
  }
}
