import type { DatasetId, RunConfig } from "../run-config";
import { configKey, groupBy, runsLabel } from "./cohorts";
import { datasetLabel, formatInt, formatPtsAbs, joinList, plural } from "./format";
import { detectMicroBatchCaveats } from "./micro-batch-caveats";
import type { RunSummary } from "./stats";
import type { Caveat, ExcludedRun, ReportOptions } from "./types";

/** CIFAR-10/100 (and their synthetic twins) ship 50,000 training and 10,000 test images. */
const TRAIN_IMAGES = 50_000;
const VAL_IMAGES = 10_000;
/** ImageNet weights were trained at 224 px. */
const PRETRAIN_SIZE = 224;

/** Config fields the report compares on purpose; a difference in any other field is a confound. */
const studiedFields: (keyof RunConfig)[] = [
  "init",
  "pretrainedWeights",
  "freezeMode",
  "disabledSkips",
  "lr",
  "seed",
  "bnFrozen",
  "imageSize",
  "trainSubset",
  "valSubset",
  "dataset",
];

const names = runsLabel;
const ids = (runs: readonly RunSummary[]) => runs.map((r) => r.id);

function detectDatasetCaveats(dataset: DatasetId, runs: readonly RunSummary[], options: ReportOptions): Caveat[] {
  const caveats: Caveat[] = [];
  const data = datasetLabel(dataset);
  const add = (c: Omit<Caveat, "dataset">) => caveats.push({ ...c, dataset });

  const partial = runs.filter((r) => !r.complete);
  if (partial.length > 0) {
    add({
      id: "caveat.partial",
      severity: "warning",
      text: `${names(partial)} did not finish: ${partial.length === 1 ? "its" : "their"} numbers are lower bounds of what ${partial.length === 1 ? "its config reaches" : "their configs reach"}.`,
      numbers: { runs: partial.length },
      runIds: ids(partial),
    });
  }

  const replicates = [...groupBy(runs, (r) => configKey(r.config, ["seed"])).values()];
  if (runs.length > 1 && replicates.every((g) => g.length === 1)) {
    const seeds = [...new Set(runs.map((r) => r.config.seed))];
    add({
      id: "caveat.single-seed",
      severity: "warning",
      text: `Each configuration on ${data} ran once (seed ${seeds.join(", ")}): no run measures seed-to-seed noise, so treat differences of a point or two as unproven.`,
      numbers: { configurations: replicates.length },
      runIds: ids(runs),
    });
  } else {
    const spreads = replicates
      .filter((g) => g.length > 1)
      .map((g) => ({ g, spread: Math.max(...g.map((r) => r.bestValAcc)) - Math.min(...g.map((r) => r.bestValAcc)) }));
    const widest = spreads.reduce<(typeof spreads)[number] | null>(
      (w, s) => (w == null || s.spread > w.spread ? s : w),
      null,
    );
    if (widest) {
      add({
        id: "caveat.seed-spread",
        severity: widest.spread >= options.noiseFloor ? "warning" : "info",
        text: `Seeds move best val acc by up to ${formatPtsAbs(widest.spread)} within one configuration (${names(widest.g)}): differences smaller than that are noise.`,
        numbers: { spread: widest.spread },
        runIds: ids(widest.g),
      });
    }
  }

  const subset = runs.filter((r) => r.config.trainSubset != null || r.config.valSubset != null);
  if (subset.length > 0) {
    const describe = (r: RunSummary, one: boolean) =>
      [
        r.config.trainSubset != null
          ? `${one ? "trains" : "train"} on ${formatInt(r.config.trainSubset)} of ${formatInt(TRAIN_IMAGES)}`
          : null,
        r.config.valSubset != null
          ? `${one ? "validates" : "validate"} on ${formatInt(r.config.valSubset)} of ${formatInt(VAL_IMAGES)}`
          : null,
      ]
        .filter(Boolean)
        .join(" and ");
    const groups = [...groupBy(subset, (r) => describe(r, false)).values()].map(
      (members) => `${names(members)} ${describe(members[0]!, members.length === 1)} images`,
    );
    add({
      id: "caveat.subset",
      severity: "warning",
      text: `Subsets in use: ${groups.join("; ")}. Accuracies on a subset are noisier and not comparable with full-data runs or the study.`,
      numbers: { runs: subset.length },
      runIds: ids(subset),
    });
  }

  if (dataset.startsWith("synthetic")) {
    add({
      id: "caveat.synthetic",
      severity: "warning",
      text: `${data} is generated data: these numbers test the pipeline and say nothing about how ImageNet features transfer to real CIFAR images.`,
      numbers: {},
      runIds: ids(runs),
    });
  }

  const small = runs.filter((r) => r.config.imageSize < PRETRAIN_SIZE);
  if (small.length > 0) {
    const sizes = [...new Set(small.map((r) => r.config.imageSize))].sort((a, b) => a - b);
    add({
      id: "caveat.image-size",
      severity: "warning",
      text: `${names(small)} ${small.length === 1 ? "runs" : "run"} at ${sizes.join("/")} px, below the ${PRETRAIN_SIZE} px the ImageNet weights (and the study's transfer runs) used: pretrained features see objects at a scale they were not trained on.`,
      numbers: { minImageSize: sizes[0]!, runs: small.length },
      runIds: ids(small),
    });
  }
  const sizes = [...new Set(runs.map((r) => r.config.imageSize))];
  if (sizes.length > 1) {
    add({
      id: "caveat.image-size-differs",
      severity: "warning",
      text: `Image sizes differ on ${data} (${sizes.sort((a, b) => a - b).join(", ")} px): the ranking and the per-strategy means mix them; pairwise comparisons only pair equal sizes.`,
      numbers: { distinctSizes: sizes.length },
      runIds: ids(runs),
    });
  }

  const evalBn = runs.filter((r) => r.config.bnFrozen === "eval");
  if (evalBn.length > 0 && evalBn.length < runs.length) {
    add({
      id: "caveat.bn-differs",
      severity: "warning",
      text: `BatchNorm semantics differ: ${names(evalBn)} keep${evalBn.length === 1 ? "s" : ""} the frozen layers' statistics fixed (eval), the other ${plural(runs.length - evalBn.length, "run")} update them as the study's PyTorch code did (train). Frozen layers are not really frozen under train semantics, so the freeze modes do not mean the same thing across these runs.`,
      numbers: { evalRuns: evalBn.length, trainRuns: runs.length - evalBn.length },
      runIds: ids(runs),
    });
  } else if (evalBn.length === runs.length && runs.length > 0) {
    add({
      id: "caveat.bn-eval",
      severity: "info",
      text: `Every run on ${data} keeps frozen BatchNorm statistics fixed (eval), unlike the study, whose train-mode BatchNorm kept updating them: expect numbers that differ from the study's.`,
      numbers: { evalRuns: evalBn.length },
      runIds: ids(runs),
    });
  }

  for (const c of detectMicroBatchCaveats(runs, data)) add(c);

  const weights = [
    ...new Set(runs.filter((r) => r.config.init === "pretrained").map((r) => r.config.pretrainedWeights)),
  ];
  if (weights.length > 1) {
    add({
      id: "caveat.weights-differ",
      severity: "warning",
      text: `Pretrained runs use different ImageNet weights (${weights.join(", ")}): they are not one "pretrained" condition.`,
      numbers: { variants: weights.length },
      runIds: ids(runs.filter((r) => r.config.init === "pretrained")),
    });
  }

  const short = runs.filter((r) => r.epochsDone < options.minEpochs);
  if (short.length > 0) {
    add({
      id: "caveat.few-epochs",
      severity: "warning",
      text: `${names(short)} ${short.length === 1 ? "has" : "have"} fewer than ${options.minEpochs} epochs: convergence and overfitting cannot be judged from so short a curve.`,
      numbers: { runs: short.length, minEpochs: options.minEpochs },
      runIds: ids(short),
    });
  }

  const noAnalysis = runs.filter((r) => r.run.analysis == null);
  if (noAnalysis.length > 0) {
    add({
      id: "caveat.no-analysis",
      severity: "info",
      text: `${names(noAnalysis)} ${noAnalysis.length === 1 ? "has" : "have"} no model analysis: no params, FLOPs or efficiency for ${noAnalysis.length === 1 ? "it" : "them"}.`,
      numbers: { runs: noAnalysis.length },
      runIds: ids(noAnalysis),
    });
  }

  const cached = runs.filter((r) => r.run.prefixCached === true);
  if (cached.length > 0 && cached.length < runs.length) {
    add({
      id: "caveat.prefix-cache",
      severity: "info",
      text: `${names(cached)} cached the frozen prefix's outputs: ${cached.length === 1 ? "its" : "their"} wall time and images/s are not comparable with the other runs'.`,
      numbers: { cachedRuns: cached.length },
      runIds: ids(cached),
    });
  }

  const confounds = (Object.keys(runs[0]?.config ?? {}) as (keyof RunConfig)[]).filter(
    (field) => !studiedFields.includes(field) && new Set(runs.map((r) => JSON.stringify(r.config[field]))).size > 1,
  );
  if (confounds.length > 0) {
    add({
      id: "caveat.other-differences",
      severity: "warning",
      text: `Runs on ${data} also differ in ${joinList(confounds)}: the ranking and means mix these; only runs equal in them are paired.`,
      numbers: { fields: confounds.length },
      runIds: ids(runs),
    });
  }
  return caveats;
}

/** Everything that limits what the numbers can show: detected, never assumed. */
export function detectCaveats(
  byDataset: ReadonlyMap<DatasetId, RunSummary[]>,
  excluded: readonly ExcludedRun[],
  options: ReportOptions,
): Caveat[] {
  const caveats: Caveat[] = [];
  if (byDataset.size > 1) {
    caveats.push({
      id: "caveat.datasets",
      severity: "info",
      dataset: null,
      text: `The runs span ${byDataset.size} datasets (${joinList([...byDataset.keys()].map(datasetLabel))}); each is analysed on its own, since accuracies on different datasets do not compare.`,
      numbers: { datasets: byDataset.size },
      runIds: [...byDataset.values()].flat().map((r) => r.id),
    });
  }
  if (excluded.length > 0) {
    caveats.push({
      id: "caveat.excluded",
      severity: "info",
      dataset: null,
      text: `Left out: ${joinList(excluded.map((e) => `"${e.name}" (${e.reason})`))}.`,
      numbers: { runs: excluded.length },
      runIds: excluded.map((e) => e.id),
    });
  }
  for (const [dataset, runs] of byDataset) caveats.push(...detectDatasetCaveats(dataset, runs, options));
  return caveats;
}
