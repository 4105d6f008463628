import { relations } from "drizzle-orm";
import { doublePrecision, integer, pgTable, primaryKey, uuid } from "drizzle-orm/pg-core";
import { timestampMs } from "./columns";
import { runs } from "./runs";

/** One row per run and epoch; an agent may resend an epoch any number of times (upsert). */
export const epochMetrics = pgTable(
  "epoch_metrics",
  {
    runId: uuid()
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    epoch: integer().notNull(),
    /** The attempt that posted this row last. */
    attempt: integer().notNull(),
    trainLoss: doublePrecision().notNull(),
    trainAcc: doublePrecision().notNull(),
    valLoss: doublePrecision().notNull(),
    valAcc: doublePrecision().notNull(),
    lr: doublePrecision().notNull(),
    epochSeconds: doublePrecision().notNull(),
    imagesPerSec: doublePrecision().notNull(),
    peakMemoryMb: doublePrecision(),
    recordedAt: timestampMs().notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.epoch] })],
);

export const epochMetricsRelations = relations(epochMetrics, ({ one }) => ({
  run: one(runs, { fields: [epochMetrics.runId], references: [runs.id] }),
}));
