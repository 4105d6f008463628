import { z } from "zod";

/**
 * Size and cost of one configured network, as shown before launch and stored with the run.
 * Params follow PyTorch's `parameters()` (BatchNorm running stats are buffers, not params).
 * When skips are disabled, a block's projection branch (`downsample`) is no longer used:
 * `totalParams` keeps it, as the study counted; `withUnusedRemoved` drops it.
 */
export const modelAnalysisSchema = z.object({
  arch: z.string(),
  numClasses: z.number().int(),
  imageSize: z.number().int(),
  totalParams: z.number().int(),
  trainableParams: z.number().int(),
  frozenParams: z.number().int(),
  /** float32 parameters, MiB */
  sizeMb: z.number(),
  /** multiply-accumulates of one forward pass of one image */
  macs: z.number().int(),
  /** FLOPs of one forward pass of one image, by the study's counter */
  flops: z.number().int(),
  withUnusedRemoved: z
    .object({
      totalParams: z.number().int(),
      frozenParams: z.number().int(),
      sizeMb: z.number(),
      unusedParams: z.number().int(),
    })
    .nullable(),
});
export type ModelAnalysisRecord = z.infer<typeof modelAnalysisSchema>;
