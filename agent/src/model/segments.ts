// The ResNet as a chain of segments, cut where a single tensor crosses: after the stem's max pool,
// after every bottleneck block (its `relu3`), after the average pool. Each segment is a small
// LayersModel sharing the ResNet's layers (and so its weights). Running a chain segment by segment
// frees each segment's intermediates as soon as its output exists, which is what lets a training step
// keep only block boundaries and recompute the rest in the backward pass (train-step.ts).
import * as tf from "@tensorflow/tfjs";
import { withoutRunningStatUpdates } from "./batch-norm";

/** One layer call of a segment: the ids of the tensors it reads and the one it writes. */
interface Step {
  layer: tf.layers.Layer;
  inputs: number[];
  output: number;
}

export interface Segment {
  /** `stem`, a block name (`layer3.4`), `avgpool` or `fc` */
  name: string;
  /** the segment's input → its output, sharing the ResNet's layers (its weights, its summary) */
  model: tf.LayersModel;
  /** the same graph as layer calls in order, which runSegment executes */
  steps: Step[];
  input: number;
  output: number;
}

/** Layers after which a chain is cut: one tensor crosses each of these points in a ResNet. */
export function isCutPoint(layerName: string): boolean {
  return layerName === "maxpool" || layerName === "avgpool" || /^layer\d+\.\d+\.relu3$/.test(layerName);
}

const segmentName = (layerName: string) =>
  layerName === "maxpool" ? "stem" : layerName.endsWith(".relu3") ? layerName.slice(0, -".relu3".length) : layerName;

/**
 * Splits `model` (a ResNet built by buildResNet) into segments, starting after the layer `from`
 * (null: at the input). Every layer is re-applied once more on new symbolic inputs, so the segments
 * must be disposed (disposeSegments) before the ResNet. Throws if anything but the cut tensor crosses.
 */
export function segmentModel(model: tf.LayersModel, from: string | null = null): Segment[] {
  const safe = (s: string) => s.replace(/\./g, "_");
  const start = from === null ? model.inputs[0]! : (model.getLayer(from).getOutputAt(0) as tf.SymbolicTensor);
  const segments: Segment[] = [];
  let crossing = start;
  let input = tf.input({ shape: crossing.shape.slice(1) as number[] });
  let map = new Map<number, tf.SymbolicTensor>([[crossing.id, input]]);
  let started = from === null;
  let reachedOutput = false;
  let steps: Step[] = [];
  for (const layer of model.layers) {
    if (!started) {
      started = layer.name === from;
      continue;
    }
    const node = layer.inboundNodes[0];
    if (!node || layer.getClassName() === "InputLayer") continue;
    const ins = node.inputTensors.map((t) => map.get(t.id));
    if (ins.some((t) => t === undefined)) {
      throw new Error(`${layer.name} reads a tensor from before its segment's start`);
    }
    const out = layer.apply(ins.length === 1 ? ins[0]! : (ins as tf.SymbolicTensor[])) as tf.SymbolicTensor;
    map.set(node.outputTensors[0]!.id, out);
    steps.push({ layer, inputs: node.inputTensors.map((t) => t.id), output: node.outputTensors[0]!.id });
    const isModelOutput = model.outputs[0]!.id === node.outputTensors[0]!.id;
    if (isCutPoint(layer.name) || isModelOutput) {
      const name = segmentName(layer.name);
      segments.push({
        name,
        model: tf.model({ inputs: input, outputs: out, name: safe(`${model.name}_${name}`) }),
        steps,
        input: crossing.id,
        output: node.outputTensors[0]!.id,
      });
      steps = [];
      if (isModelOutput) {
        reachedOutput = true;
        break;
      }
      crossing = node.outputTensors[0]!;
      input = tf.input({ shape: crossing.shape.slice(1) as number[] });
      map = new Map([[crossing.id, input]]);
    }
  }
  if (!started) throw new Error(`No layer "${from}" in ${model.name}`);
  if (!reachedOutput) throw new Error(`the segments of ${model.name} do not reach its output`);
  return segments;
}

/** Releases the segments' references to the ResNet's layers (weights stay with the ResNet). */
export function disposeSegments(segments: readonly Segment[]): void {
  for (const s of segments) s.model.dispose();
}

/**
 * Runs one segment on `x` layer by layer, disposing each intermediate as soon as its last reader has
 * run: tape-free, at most a block's few live tensors exist at a time (tfjs-layers keeps every layer
 * output of a model call until it returns, when training). Under a gradient tape, what the backward
 * pass needs survives: ops keep their own references to the tensors they saved. `x` is not disposed.
 */
export function runSegment(segment: Segment, x: tf.Tensor, training: boolean): tf.Tensor {
  const readers = new Map<number, number>();
  for (const step of segment.steps) for (const id of step.inputs) readers.set(id, (readers.get(id) ?? 0) + 1);
  const values = new Map<number, tf.Tensor>([[segment.input, x]]);
  for (const step of segment.steps) {
    const ins = step.inputs.map((id) => values.get(id)!);
    values.set(step.output, step.layer.apply(ins.length === 1 ? ins[0]! : ins, { training }) as tf.Tensor);
    for (const id of step.inputs) {
      const left = readers.get(id)! - 1;
      readers.set(id, left);
      if (left === 0 && id !== segment.input) values.get(id)!.dispose();
    }
  }
  return values.get(segment.output)!;
}

/**
 * Runs `segments` in order on `x` without a gradient tape: at most one layer's inputs and outputs
 * alive at a time. `x` is not disposed; the result is new.
 * `updateStats` false keeps train-mode BatchNorm from writing its running statistics (a recomputation).
 */
export function forwardSegments(
  segments: readonly Segment[],
  x: tf.Tensor,
  training: boolean,
  updateStats = true,
): tf.Tensor {
  let y = x;
  for (const s of segments) {
    const run = () => tf.tidy(() => runSegment(s, y, training));
    const next = updateStats ? run() : withoutRunningStatUpdates(run);
    if (y !== x) y.dispose();
    y = next;
  }
  return y === x ? y.clone() : y;
}
