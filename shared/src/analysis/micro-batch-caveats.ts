import { microBatchesChangeBatchNorm } from "../protocol";
import { usesBatchStatistics } from "../run-config";
import { groupBy, runsLabel } from "./cohorts";
import { plural } from "./format";
import type { RunSummary } from "./stats";
import type { Caveat } from "./types";

// What the agent's memory plan did to train-mode BatchNorm. Splitting a batch into micro-batches and
// summing their gradients is the same optimiser step, except that BatchNorm layers normalising with
// batch statistics see each micro-batch on its own: fewer images, noisier statistics. The study's
// PyTorch code normalised over the whole batch, so such a run deviates from it.

type DatasetCaveat = Omit<Caveat, "dataset">;

/** How many images train-mode BatchNorm normalises over in one forward pass; null: it uses no batch statistics. */
interface BnBatch {
  images: number;
  /** less than the whole batch: the plan split it */
  micro: boolean;
  /** the last micro-batch is smaller (the batch is not a multiple of the micro-batch) */
  uneven: boolean;
}

function bnBatchOf(r: RunSummary): BnBatch | null {
  const plan = r.run.memoryPlan;
  if (plan) {
    if (!plan.batchStatistics) return null;
    const micro = microBatchesChangeBatchNorm(plan);
    return {
      images: micro ? plan.microBatchSize : plan.batchSize,
      micro,
      uneven: micro && plan.batchSize % plan.microBatchSize !== 0,
    };
  }
  // no plan (an agent from before the pre-flight): whole batches
  if (!usesBatchStatistics(r.config)) return null;
  return { images: r.config.batchSize, micro: false, uneven: false };
}

const microText = (b: BnBatch) => `micro-batches of ${b.uneven ? "at most " : ""}${b.images}`;

export function detectMicroBatchCaveats(runs: readonly RunSummary[], data: string): DatasetCaveat[] {
  const caveats: DatasetCaveat[] = [];
  const seen = runs.map((run) => ({ run, bn: bnBatchOf(run) })).filter((x) => x.bn !== null) as {
    run: RunSummary;
    bn: BnBatch;
  }[];

  const micro = seen.filter((x) => x.bn.micro);
  if (micro.length > 0) {
    const groups = [...groupBy(micro, (x) => `${microText(x.bn)} of a batch of ${x.run.config.batchSize}`)].map(
      ([what, members]) => `${what} in ${runsLabel(members.map((m) => m.run))}`,
    );
    caveats.push({
      id: "caveat.micro-batch-bn",
      severity: "warning",
      text: `Deviation from the study: train-mode BatchNorm normalised over micro-batches, not over the whole batch as the study did: ${groups.join("; ")}. The agent split batches to fit memory and summed their gradients, so each optimiser step is still one batch's, but batch statistics over fewer images are noisier: ${micro.length === 1 ? "this run's" : "these runs'"} accuracy can differ from the study's for that reason alone.`,
      numbers: { runs: micro.length, smallestMicroBatch: Math.min(...micro.map((x) => x.bn.images)) },
      runIds: micro.map((x) => x.run.id),
    });
  }

  const bySize = [
    ...groupBy(seen, (x) => (x.bn.micro ? microText(x.bn) : `whole batches of ${x.bn.images}`)).entries(),
  ];
  if (micro.length > 0 && bySize.length > 1) {
    const parts = bySize.map(([what, members]) => `${what} in ${runsLabel(members.map((m) => m.run))}`);
    caveats.push({
      id: "caveat.micro-batch-differs",
      severity: "warning",
      text: `Runs on ${data} differ in micro-batching, so train-mode BatchNorm normalised over ${plural(bySize.length, "batch size")}: ${parts.join("; ")}. Accuracy differences between them mix in BatchNorm statistics over different numbers of images.`,
      numbers: { batchSizes: bySize.length },
      runIds: seen.map((x) => x.run.id),
    });
  }
  return caveats;
}
