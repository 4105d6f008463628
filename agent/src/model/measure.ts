// Counts taken from a built network's layers and weights, independently of shared's analytic walk,
// so the two can be checked against each other (and the agent can report what it actually built).
import type * as tf from "@tensorflow/tfjs";
import { isTorchBatchNorm } from "./batch-norm";
import { type ResNet, weightedLayers } from "./resnet";

export interface MeasuredModel {
  /** PyTorch convention: BN moving mean/variance excluded */
  totalParams: number;
  trainableParams: number;
  /** parameters of unused projection branches (included in totalParams) */
  unusedParams: number;
  macs: number;
  flops: number;
}

const size = (shape: readonly (number | null)[]) => shape.reduce<number>((a, b) => a * (b ?? 1), 1);

function torchParams(layer: tf.layers.Layer): number {
  // BN weights are [gamma, beta, moving_mean, moving_variance]; only the first two are parameters.
  const ws = isTorchBatchNorm(layer) ? layer.weights.slice(0, 2) : layer.weights;
  return ws.reduce((n, w) => n + size(w.shape), 0);
}

export function measureModel(net: ResNet): MeasuredModel {
  const m: MeasuredModel = { totalParams: 0, trainableParams: 0, unusedParams: 0, macs: 0, flops: 0 };
  for (const layer of weightedLayers(net)) {
    const n = torchParams(layer);
    m.totalParams += n;
    if (layer.trainable) m.trainableParams += n;
    if (net.unusedLayers.includes(layer)) m.unusedParams += n;
  }
  for (const layer of net.model.layers) {
    const cls = layer.getClassName();
    const inShape = (layer.input as tf.SymbolicTensor).shape;
    const outShape = (layer.output as tf.SymbolicTensor).shape;
    if (cls === "Conv2D") {
      const [kh, kw, cin, cout] = layer.weights[0]!.shape as number[];
      const macs = size(outShape.slice(1, 3)) * kh! * kw! * cin! * cout!;
      m.macs += macs;
      m.flops += macs;
    } else if (cls === "Dense") {
      const [cin, cout] = layer.weights[0]!.shape as number[];
      m.macs += cin! * cout!;
      m.flops += 2 * cin! * cout! + cout!;
    } else if (cls === "BatchNormalization") {
      m.flops += 4 * size(inShape.slice(1));
    } else if (cls === "ReLU") {
      m.flops += size(inShape.slice(1));
    }
  }
  return m;
}
