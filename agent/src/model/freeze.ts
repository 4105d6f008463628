// THE freeze rule. Which layers train is decided here and nowhere else:
//   head_only    fc
//   final_block  layer4.* + fc
//   full         everything
// and how frozen BatchNorm layers behave (the run's `bnFrozen`):
//   train  the study's PyTorch behaviour (model.train() with requires_grad=False): frozen BN layers
//          normalise with batch statistics and update their running stats; gamma/beta stay fixed.
//   eval   frozen BN layers use their running statistics and never change: the frozen prefix is a
//          pure function of the image.
// `trainable = false` alone is not enough in TF.js: its BatchNormalization updates moving stats in
// training mode whatever the flag says. The BN layers built by buildResNet consult
// `setUseRunningStats` instead (see batch-norm.ts), which is what enforces `eval`.
import type { BnFrozen, FreezeMode } from "@ai623/shared";
import { isTorchBatchNorm, setUseRunningStats } from "./batch-norm";
import { type ResNet, weightedLayers } from "./resnet";

/** Whether the layer (a torchvision name such as `layer4.2.conv3`) trains under `mode`. */
export function isTrainableLayer(name: string, mode: FreezeMode): boolean {
  if (mode === "full") return true;
  if (name === "fc" || name.startsWith("fc.")) return true;
  return mode === "final_block" && name.startsWith("layer4.");
}

export interface FreezeSummary {
  mode: FreezeMode;
  bnFrozen: BnFrozen;
  trainableLayers: string[];
  frozenLayers: string[];
  /** frozen BN layers pinned to running statistics (empty unless bnFrozen is `eval`) */
  pinnedBatchNorms: string[];
}

/** Applies the rule to every weighted layer, the unused projection branches included. */
export function applyFreeze(net: ResNet, mode: FreezeMode, bnFrozen: BnFrozen): FreezeSummary {
  const summary: FreezeSummary = { mode, bnFrozen, trainableLayers: [], frozenLayers: [], pinnedBatchNorms: [] };
  for (const layer of weightedLayers(net)) {
    const trainable = isTrainableLayer(layer.name, mode);
    layer.trainable = trainable;
    (trainable ? summary.trainableLayers : summary.frozenLayers).push(layer.name);
    if (isTorchBatchNorm(layer)) {
      const pin = !trainable && bnFrozen === "eval";
      setUseRunningStats(layer, pin);
      if (pin) summary.pinnedBatchNorms.push(layer.name);
    }
  }
  return summary;
}
