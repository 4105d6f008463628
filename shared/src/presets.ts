import type { RunConfigInput } from "./run-config";

/** A run of the original study, with the command it came from and what the study measured. */
export interface Preset {
  id: string;
  title: string;
  description: string;
  /** The study script this preset reproduces. */
  studyCommand: string;
  /** Best validation accuracy in the study's own metrics files, where it published one. */
  studyBestValAcc: number | null;
  config: RunConfigInput;
}

const transfer = (init: "pretrained" | "random", freezeMode: "head_only" | "final_block" | "full"): Preset => {
  const full = freezeMode === "full";
  const results: Record<string, number> = {
    "pretrained-head_only": 0.7071,
    "random-head_only": 0.042,
    "random-final_block": 0.234,
  };
  const trainable = { head_only: "the fc head", final_block: "layer4 and the fc head", full: "every layer" }[
    freezeMode
  ];
  return {
    id: `transfer-${init}-${freezeMode}`,
    title: `CIFAR-100 · ${init} · ${freezeMode}`,
    description: `ResNet-152 on CIFAR-100 from ${init === "pretrained" ? "ImageNet weights" : "random initialisation"}, training ${trainable}${full ? " at lr 1e-4" : ""}, 30 epochs.`,
    studyCommand: `python scripts/task1_resnet/train_transfer_${init}.py --epochs 30 --freeze_mode ${freezeMode}${full ? " --lr 1e-4" : ""}`,
    studyBestValAcc: results[`${init}-${freezeMode}`] ?? null,
    config: { dataset: "cifar100", init, freezeMode, epochs: 30, imageSize: 224, ...(full ? { lr: 1e-4 } : {}) },
  };
};

/** The study's eight runs (README: Task 1 and Task 1.3). */
export const presets: Preset[] = [
  {
    id: "baseline",
    title: "CIFAR-10 · head-only baseline",
    description: "ImageNet-pretrained ResNet-152, only the fc head trained on CIFAR-10 for 10 epochs.",
    studyCommand: "python scripts/task1_resnet/train_resnet_baseline.py --epochs 10",
    studyBestValAcc: 0.857,
    config: { dataset: "cifar10", init: "pretrained", freezeMode: "head_only", epochs: 10, imageSize: 224 },
  },
  {
    id: "disabled-skip",
    title: "CIFAR-10 · skips disabled in layer3.0 and layer4.1",
    description:
      "The baseline with the residual add removed in layer3.0 and layer4.1; params and FLOPs are analysed before training.",
    studyCommand: "python scripts/task1_resnet/train_resnet_disabled_skip.py --epochs 10",
    studyBestValAcc: 0.497,
    config: {
      dataset: "cifar10",
      init: "pretrained",
      freezeMode: "head_only",
      epochs: 10,
      imageSize: 224,
      disabledSkips: ["layer3.0", "layer4.1"],
    },
  },
  transfer("pretrained", "head_only"),
  transfer("random", "head_only"),
  transfer("pretrained", "final_block"),
  transfer("random", "final_block"),
  transfer("pretrained", "full"),
  transfer("random", "full"),
];

export interface Suite {
  id: string;
  title: string;
  description: string;
  presetIds: string[];
}

/** One-click groups of presets. */
export const suites: Suite[] = [
  {
    id: "task1",
    title: "Task 1: baseline + disabled skips",
    description: "The CIFAR-10 head-only baseline and the same run with two skip connections removed.",
    presetIds: ["baseline", "disabled-skip"],
  },
  {
    id: "transfer",
    title: "Transfer learning: all 6",
    description: "Pretrained vs random × head_only / final_block / full on CIFAR-100.",
    presetIds: presets.filter((p) => p.id.startsWith("transfer-")).map((p) => p.id),
  },
];

export function getPreset(id: string): Preset {
  const preset = presets.find((p) => p.id === id);
  if (!preset) throw new Error(`Unknown preset "${id}"; known presets: ${presets.map((p) => p.id).join(", ")}`);
  return preset;
}
