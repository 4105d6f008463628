import { z } from "zod";

const finite = z.number().finite();
const ratio = z.number().min(0).max(1);

/** One epoch of one run, as the agent posts it and the site draws it. Epochs count from 1. */
export const epochMetricsSchema = z
  .object({
    epoch: z.number().int().min(1).max(100_000),
    trainLoss: finite,
    trainAcc: ratio,
    valLoss: finite,
    valAcc: ratio,
    lr: z.number().min(0).finite(),
    epochSeconds: z.number().min(0).finite(),
    imagesPerSec: z.number().min(0).finite(),
    peakMemoryMb: z.number().min(0).finite().nullable().default(null),
  })
  .strict();

export type EpochMetrics = z.output<typeof epochMetricsSchema>;
export type EpochMetricsInput = z.input<typeof epochMetricsSchema>;
