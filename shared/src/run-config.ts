import { z } from "zod";
import { blockNames } from "./resnet-arch";

export const datasetIds = ["cifar10", "cifar100", "synthetic-cifar10", "synthetic-cifar100"] as const;
export const datasetSchema = z.enum(datasetIds);
export type DatasetId = z.infer<typeof datasetSchema>;

/** Classes per dataset; the synthetic twins mirror the real archives. */
export function numClasses(dataset: DatasetId): number {
  return dataset.endsWith("cifar100") ? 100 : 10;
}

export const freezeModes = ["head_only", "final_block", "full"] as const;
export const freezeModeSchema = z.enum(freezeModes);
export type FreezeMode = z.infer<typeof freezeModeSchema>;

export const initSchema = z.enum(["pretrained", "random"]);
export type Init = z.infer<typeof initSchema>;

/**
 * How BatchNorm layers in the frozen part behave.
 * `train`: the study's PyTorch behaviour (model.train()): batch statistics, running stats updated.
 * `eval`: running statistics, never changed; the frozen prefix becomes a pure function of the image.
 */
export const bnFrozenSchema = z.enum(["train", "eval"]);
export type BnFrozen = z.infer<typeof bnFrozenSchema>;

/** torchvision's ImageNet weights: V2 (82.3 % top-1) is what the study's `DEFAULT` loaded. */
export const pretrainedWeightsSchema = z.enum(["imagenet1k_v2", "imagenet1k_v1"]);
export type PretrainedWeights = z.infer<typeof pretrainedWeightsSchema>;

const subsetSchema = z.number().int().positive().max(60_000).nullable();

/**
 * One training run, everything that determines its result. Defaults are the study's
 * (Adam, lr 1e-3, batch 128, seed 42, BatchNorm as in PyTorch's train mode).
 */
export const runConfigSchema = z
  .object({
    arch: z.enum(["resnet50", "resnet101", "resnet152"]).default("resnet152"),
    dataset: datasetSchema.default("cifar10"),
    init: initSchema.default("pretrained"),
    pretrainedWeights: pretrainedWeightsSchema.default("imagenet1k_v2"),
    freezeMode: freezeModeSchema.default("head_only"),
    disabledSkips: z.array(z.string()).max(64).default([]),
    bnFrozen: bnFrozenSchema.default("train"),
    epochs: z.number().int().min(1).max(1000).default(10),
    batchSize: z.number().int().min(1).max(4096).default(128),
    /**
     * Images per forward/backward pass; their gradients are summed into one optimiser step of
     * `batchSize`. null: the agent picks the largest that fits its memory. Smaller than the batch,
     * train-mode BatchNorm normalises over the micro-batch: a deviation the report lists.
     */
    microBatchSize: z.number().int().min(1).max(4096).nullable().default(null),
    lr: z.number().positive().max(10).default(1e-3),
    optimizer: z.enum(["adam", "sgd"]).default("adam"),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().min(0).max(1).default(0),
    imageSize: z.number().int().min(32).max(224).default(224),
    augment: z.boolean().default(false),
    trainSubset: subsetSchema.default(null),
    valSubset: subsetSchema.default(null),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(42),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const valid = new Set(blockNames(cfg.arch));
    const unknown = cfg.disabledSkips.filter((b) => !valid.has(b));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["disabledSkips"],
        message: `Unknown block ${unknown.map((b) => `"${b}"`).join(", ")} for ${cfg.arch}; valid blocks are ${[...valid].join(", ")}`,
      });
    }
    if (cfg.microBatchSize !== null && cfg.microBatchSize > cfg.batchSize) {
      ctx.addIssue({
        code: "custom",
        path: ["microBatchSize"],
        message: `microBatchSize (${cfg.microBatchSize}) is larger than batchSize (${cfg.batchSize}); use at most the batch size, or leave it empty for automatic`,
      });
    }
    if (new Set(cfg.disabledSkips).size !== cfg.disabledSkips.length) {
      ctx.addIssue({ code: "custom", path: ["disabledSkips"], message: "A block is listed twice in disabledSkips" });
    }
  });

export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/**
 * Whether a training step normalises with batch statistics somewhere: trainable BatchNorm layers
 * always do, frozen ones under `bnFrozen: "train"`. Only a head-only run with eval-mode frozen
 * BatchNorm has none, and then how a batch is split into micro-batches changes nothing BatchNorm sees.
 */
export function usesBatchStatistics(config: Pick<RunConfig, "freezeMode" | "bnFrozen">): boolean {
  return !(config.freezeMode === "head_only" && config.bnFrozen === "eval");
}

/** Fill every default; throws a ZodError naming each bad field. */
export function parseRunConfig(input: unknown): RunConfig {
  return runConfigSchema.parse(input);
}
