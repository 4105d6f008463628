import { z } from "zod";
import { epochMetricsSchema } from "../metrics";
import { modelAnalysisSchema } from "../model-analysis";
import { memoryPlanSchema } from "../protocol";
import { runConfigSchema } from "../run-config";
import { runStatusSchema } from "../run-status";

/** One run as the comparison sees it: its config, its model analysis (if computed) and every epoch so far. */
export const comparisonRunSchema = z
  .object({
    id: z.string().min(1),
    name: z.string(),
    status: runStatusSchema,
    config: runConfigSchema,
    analysis: modelAnalysisSchema.nullable(),
    metrics: z.array(epochMetricsSchema),
    /** Wall-clock seconds of the whole run; the sum of epoch seconds stands in when absent. */
    wallSeconds: z.number().min(0).finite().nullish(),
    /** The agent cached the frozen prefix's outputs: its time per epoch is not comparable to uncached runs. */
    prefixCached: z.boolean().nullish(),
    /** How the agent fitted a step in memory (micro-batches, recomputation); absent for older agents. */
    memoryPlan: memoryPlanSchema.nullish(),
    error: z.string().nullish(),
  })
  .superRefine((run, ctx) => {
    const seen = new Set<number>();
    for (const m of run.metrics) {
      if (seen.has(m.epoch)) {
        ctx.addIssue({
          code: "custom",
          path: ["metrics"],
          message: `Run "${run.name}" reports epoch ${m.epoch} twice; keep one row per epoch (the latest)`,
        });
      }
      seen.add(m.epoch);
    }
  });
export type ComparisonRun = z.output<typeof comparisonRunSchema>;
export type ComparisonRunInput = z.input<typeof comparisonRunSchema>;

/** What the report generator takes: the runs to compare (a snapshot can be re-validated with this). */
export const comparisonInputSchema = z
  .array(comparisonRunSchema)
  .max(500)
  .superRefine((runs, ctx) => {
    const seen = new Set<string>();
    for (const r of runs) {
      if (seen.has(r.id)) {
        ctx.addIssue({ code: "custom", message: `Run id "${r.id}" appears twice; pass each run once` });
      }
      seen.add(r.id);
    }
  });
export type ComparisonInput = z.output<typeof comparisonInputSchema>;

export class AnalysisInputError extends Error {
  readonly code = "ANALYSIS_INVALID_INPUT";
  constructor(message: string) {
    super(message);
    this.name = "AnalysisInputError";
  }
}

/** Validate untrusted input (an API body, a stored snapshot); the error lists every bad field with its path. */
export function parseComparisonInput(input: unknown): ComparisonInput {
  const parsed = comparisonInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(input)"}: ${i.message}`);
  throw new AnalysisInputError(`Invalid comparison input: ${problems.join("; ")}`);
}
