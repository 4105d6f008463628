// The launch form's state and its one translation into a `runs.create` input. Inputs hold text
// (what the person typed), so a half-typed "1e-" is kept and reported, never silently replaced.
import {
  analyzeModel,
  type CreateRunInput,
  createRunInputSchema,
  type ModelAnalysisRecord,
  type RunConfigInput,
  runConfigSchema,
} from "@ai623/shared";

export interface LaunchState {
  name: string;
  projectId: string;
  tags: string;
  priority: string;
  requiresGpu: boolean;
  maxAttempts: string;
  arch: "resnet50" | "resnet101" | "resnet152";
  dataset: "cifar10" | "cifar100" | "synthetic-cifar10" | "synthetic-cifar100";
  init: "pretrained" | "random";
  pretrainedWeights: "imagenet1k_v2" | "imagenet1k_v1";
  freezeMode: "head_only" | "final_block" | "full";
  disabledSkips: string[];
  bnFrozen: "train" | "eval";
  epochs: string;
  batchSize: string;
  /** Empty: the agent picks the largest micro-batch that fits its memory. */
  microBatchSize: string;
  lr: string;
  optimizer: "adam" | "sgd";
  momentum: string;
  weightDecay: string;
  imageSize: string;
  augment: boolean;
  trainSubset: string;
  valSubset: string;
  seed: string;
}

/** The form filled from a config (a preset's, a cloned run's, or the defaults). */
export function stateFromConfig(config: RunConfigInput, extra: Partial<LaunchState> = {}): LaunchState {
  const c = runConfigSchema.parse(config);
  return {
    name: "",
    projectId: "",
    tags: "",
    priority: "0",
    requiresGpu: false,
    maxAttempts: "3",
    arch: c.arch,
    dataset: c.dataset,
    init: c.init,
    pretrainedWeights: c.pretrainedWeights,
    freezeMode: c.freezeMode,
    disabledSkips: [...c.disabledSkips],
    bnFrozen: c.bnFrozen,
    epochs: String(c.epochs),
    batchSize: String(c.batchSize),
    microBatchSize: c.microBatchSize === null ? "" : String(c.microBatchSize),
    lr: String(c.lr),
    optimizer: c.optimizer,
    momentum: String(c.momentum),
    weightDecay: String(c.weightDecay),
    imageSize: String(c.imageSize),
    augment: c.augment,
    trainSubset: c.trainSubset === null ? "" : String(c.trainSubset),
    valSubset: c.valSubset === null ? "" : String(c.valSubset),
    seed: String(c.seed),
    ...extra,
  };
}

const defaultBatchSize = runConfigSchema.parse({}).batchSize;

/** Text to number: "" stays undefined (the field's default), anything unparsable becomes NaN (reported). */
function num(text: string): number | undefined {
  const t = text.trim();
  return t === "" ? undefined : Number(t);
}

/** The config the form describes; fields left empty take the schema's defaults. */
export function configFromState(s: LaunchState): RunConfigInput {
  return {
    arch: s.arch,
    dataset: s.dataset,
    init: s.init,
    pretrainedWeights: s.pretrainedWeights,
    freezeMode: s.freezeMode,
    disabledSkips: s.disabledSkips,
    bnFrozen: s.bnFrozen,
    epochs: num(s.epochs),
    batchSize: num(s.batchSize),
    microBatchSize: num(s.microBatchSize) ?? null,
    lr: num(s.lr),
    optimizer: s.optimizer,
    momentum: num(s.momentum),
    weightDecay: num(s.weightDecay),
    imageSize: num(s.imageSize),
    augment: s.augment,
    trainSubset: num(s.trainSubset) ?? null,
    valSubset: num(s.valSubset) ?? null,
    seed: num(s.seed),
  };
}

export function inputFromState(s: LaunchState): CreateRunInput {
  return {
    ...(s.projectId ? { projectId: s.projectId } : {}),
    ...(s.name.trim() ? { name: s.name.trim() } : {}),
    config: configFromState(s),
    tags: s.tags
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean),
    priority: num(s.priority),
    requiresGpu: s.requiresGpu,
    maxAttempts: num(s.maxAttempts),
  };
}

/** What the form calls each field: its label, and the name its messages use. */
export const fieldLabels: Record<keyof LaunchState, string> = {
  name: "Name",
  projectId: "Project",
  tags: "Tags",
  priority: "Priority",
  requiresGpu: "GPU required",
  maxAttempts: "Max attempts",
  arch: "Architecture",
  dataset: "Dataset",
  init: "Initialisation",
  pretrainedWeights: "ImageNet weights",
  freezeMode: "Trainable part",
  disabledSkips: "Disabled skip connections",
  bnFrozen: "Frozen BatchNorm",
  epochs: "Epochs",
  batchSize: "Batch size",
  microBatchSize: "Micro-batch",
  lr: "Learning rate",
  optimizer: "Optimizer",
  momentum: "Momentum",
  weightDecay: "Weight decay",
  imageSize: "Image size (px)",
  augment: "Augment",
  trainSubset: "Train subset",
  valSubset: "Validation subset",
  seed: "Seed",
};

/** Field name (`lr`, `tags`, `disabledSkips`) → what is wrong with it, as the API would say it. */
export type FieldErrors = Partial<Record<keyof LaunchState, string>>;

export interface Checked {
  input: CreateRunInput;
  errors: FieldErrors;
  valid: boolean;
  /** The network's size and cost, whenever the fields it depends on are valid. */
  analysis: ModelAnalysisRecord | null;
}

export function checkState(s: LaunchState): Checked {
  const input = inputFromState(s);
  const result = createRunInputSchema.safeParse(input);
  const errors: FieldErrors = {};
  if (!result.success) {
    for (const issue of result.error.issues) {
      const [head, field] = issue.path;
      const key = (head === "config" ? field : head) as keyof LaunchState | undefined;
      if (!key || errors[key]) continue;
      errors[key] =
        issue.code === "invalid_type" && issue.expected === "number"
          ? "enter a number"
          : key === "microBatchSize" && issue.code === "custom"
            ? // the schema's message names config keys; the form speaks in its labels
              `${fieldLabels.microBatchSize} must be at most the ${fieldLabels.batchSize.toLowerCase()} (${input.config.batchSize ?? defaultBatchSize})`
            : issue.message;
    }
  }
  const shape = runConfigSchema.safeParse({
    arch: s.arch,
    dataset: s.dataset,
    freezeMode: s.freezeMode,
    disabledSkips: s.disabledSkips,
    imageSize: num(s.imageSize),
  });
  return { input, errors, valid: result.success, analysis: shape.success ? analyzeModel(shape.data) : null };
}
