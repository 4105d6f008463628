// The tiny run the trainRun tests share: ResNet's code path with one block per stage and a few
// channels, on a small synthetic CIFAR-10, so a whole run takes seconds.
import { parseRunConfig, type RunConfigInput } from "@ai623/shared";
import type { ModelOverrides } from "../src/train/train-run";

export const tinyModel: ModelOverrides = {
  blocks: [1, 1, 1, 1],
  widths: [4, 4, 8, 8],
  synthetic: { train: 48, test: 24, seed: 3 },
};

/** `full` from random init at 32 px, batch 16, seed 7; `over` changes any field. */
export const tinyRunConfig = (over: RunConfigInput = {}) =>
  parseRunConfig({
    dataset: "synthetic-cifar10",
    init: "random",
    freezeMode: "full",
    batchSize: 16,
    imageSize: 32,
    seed: 7,
    ...over,
  });
