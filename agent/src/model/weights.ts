// torchvision state_dict ⇄ the tfjs network. Names are identical by construction (resnet.ts); layouts
// differ: conv OIHW ⇄ HWIO (transpose (2,3,1,0)), Linear [out,in] ⇄ Dense kernel [in,out].
import { readFile, writeFile } from "node:fs/promises";
import * as tf from "@tensorflow/tfjs";
import { AgentError } from "../errors";
import { isTorchBatchNorm } from "./batch-norm";
import { type ResNet, weightedLayers } from "./resnet";
import { type NamedTensor, readSafetensors, writeSafetensors } from "./safetensors";

interface Slot {
  /** torchvision key, e.g. `layer1.0.bn1.running_var` */
  key: string;
  layer: tf.layers.Layer;
  /** index into layer.weights */
  index: number;
  /** PyTorch shape */
  torchShape: number[];
  kind: "conv" | "linear" | "plain";
}

const bnKeys = ["weight", "bias", "running_mean", "running_var"];

const blockOrder = ["conv1", "bn1", "conv2", "bn2", "conv3", "bn3", "downsample.0", "downsample.1"];

/** Sort key of a layer in torchvision's module order: stem, layer1.0 … layer4.N, fc. */
function stateDictRank(name: string): number[] {
  if (name === "conv1") return [0];
  if (name === "bn1") return [1];
  if (name === "fc") return [9];
  const m = /^layer(\d+)\.(\d+)\.(.+)$/.exec(name);
  if (!m) throw new Error(`Layer ${name} has no place in a torchvision state_dict`);
  return [2, Number(m[1]), Number(m[2]), blockOrder.indexOf(m[3]!)];
}

function layersInStateDictOrder(net: ResNet): tf.layers.Layer[] {
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] ?? -1) - (b[i] ?? -1);
    return 0;
  };
  return weightedLayers(net).sort((a, b) => cmp(stateDictRank(a.name), stateDictRank(b.name)));
}

/** Every tensor of the network under its torchvision key, in state_dict order. */
function listSlots(net: ResNet): Slot[] {
  return layersInStateDictOrder(net).flatMap((layer): Slot[] => {
    const shapes = layer.weights.map((w) => w.shape as number[]);
    if (isTorchBatchNorm(layer)) {
      return bnKeys.map((k, index) => ({
        key: `${layer.name}.${k}`,
        layer,
        index,
        torchShape: shapes[index]!,
        kind: "plain",
      }));
    }
    if (layer.getClassName() === "Conv2D") {
      const [kh, kw, cin, cout] = shapes[0]!;
      return [{ key: `${layer.name}.weight`, layer, index: 0, torchShape: [cout!, cin!, kh!, kw!], kind: "conv" }];
    }
    const [cin, cout] = shapes[0]!;
    return [
      { key: `${layer.name}.weight`, layer, index: 0, torchShape: [cout!, cin!], kind: "linear" },
      { key: `${layer.name}.bias`, layer, index: 1, torchShape: [cout!], kind: "plain" },
    ];
  });
}

function toTf(slot: Slot, t: NamedTensor): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.tensor(t.data, t.shape);
    if (slot.kind === "conv") return tf.transpose(x, [2, 3, 1, 0]);
    if (slot.kind === "linear") return tf.transpose(x);
    return x;
  });
}

export interface LoadReport {
  loaded: number;
  /** keys left at their initial values (fc when the class count differs) */
  skipped: string[];
  /** non-float tensors ignored (num_batches_tracked) */
  ignored: string[];
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Loads a torchvision-named state dict, strictly: missing, unexpected or mis-shaped tensors are one
 * error listing them all. The classifier is skipped (kept random) when its class count differs.
 */
export function loadTorchvisionTensors(
  net: ResNet,
  file: { tensors: Map<string, NamedTensor>; skipped: Map<string, string> },
  what = "the weights file",
): LoadReport {
  const slots = listSlots(net);
  const fcWeight = file.tensors.get("fc.weight");
  const skipFc = fcWeight !== undefined && fcWeight.shape[0] !== net.numClasses;
  const expected = new Set(slots.map((s) => s.key));
  const missing = slots.filter((s) => !file.tensors.has(s.key)).map((s) => s.key);
  const unexpected = [...file.tensors.keys(), ...file.skipped.keys()].filter(
    (k) => !expected.has(k) && !k.endsWith(".num_batches_tracked"),
  );
  const misShaped = slots
    .filter((s) => !(skipFc && s.key.startsWith("fc.")))
    .filter((s) => file.tensors.has(s.key) && !sameShape(file.tensors.get(s.key)!.shape, s.torchShape))
    .map(
      (s) => `${s.key} is ${JSON.stringify(file.tensors.get(s.key)!.shape)}, expected ${JSON.stringify(s.torchShape)}`,
    );
  const problems = [
    missing.length > 0 ? `missing ${missing.length}: ${missing.join(", ")}` : "",
    unexpected.length > 0 ? `unexpected ${unexpected.length}: ${unexpected.join(", ")}` : "",
    misShaped.length > 0 ? `wrong shape ${misShaped.length}: ${misShaped.join("; ")}` : "",
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new AgentError(
      "WEIGHTS_MISMATCH",
      `${what} does not fit ${net.arch} (${net.numClasses} classes${net.disabledSkips.length ? `, skips disabled in ${net.disabledSkips.join(", ")}` : ""}): ${problems.join(" | ")}. Use torchvision-named ResNet weights of the same depth.`,
    );
  }
  const report: LoadReport = { loaded: 0, skipped: [], ignored: [...file.skipped.keys()] };
  for (const slot of slots) {
    if (skipFc && slot.key.startsWith("fc.")) {
      report.skipped.push(slot.key);
      continue;
    }
    const value = toTf(slot, file.tensors.get(slot.key)!);
    slot.layer.weights[slot.index]!.write(value);
    value.dispose();
    report.loaded++;
  }
  return report;
}

export async function loadWeightsFile(net: ResNet, path: string): Promise<LoadReport> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new AgentError("WEIGHTS_UNREADABLE", `Cannot read weights ${path}: ${(e as Error).message}`);
  }
  return loadTorchvisionTensors(net, readSafetensors(buf, path), path);
}

/**
 * The network's tensors in torchvision layout and names (what `load_state_dict` expects). Read
 * asynchronously: the webgpu backend cannot read a GPU buffer synchronously under Node.
 */
export async function exportTorchvisionTensors(net: ResNet): Promise<NamedTensor[]> {
  const out: NamedTensor[] = [];
  for (const slot of listSlots(net)) {
    const data = tf.tidy(() => {
      const v = slot.layer.weights[slot.index]!.read();
      if (slot.kind === "conv") return tf.transpose(v, [3, 2, 0, 1]);
      if (slot.kind === "linear") return tf.transpose(v);
      return v.clone();
    });
    out.push({ name: slot.key, shape: slot.torchShape, data: (await data.data()) as Float32Array });
    data.dispose();
  }
  return out;
}

/** Writes a checkpoint a PyTorch user can `load_state_dict` (safetensors.torch.load_file). */
export async function saveCheckpoint(net: ResNet, path: string, metadata: Record<string, string> = {}): Promise<void> {
  await writeFile(path, writeSafetensors(await exportTorchvisionTensors(net), { format: "pt", ...metadata }));
}
