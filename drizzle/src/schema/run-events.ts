import { runEventKinds } from "@ai623/shared";
import { relations } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgEnum, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { agents } from "./agents";
import { timestampMs } from "./columns";
import { runs } from "./runs";

export const runEventKind = pgEnum("run_event_kind", runEventKinds);

/** The timeline of a run: who claimed it, when it was lost, requeued, resumed, cancelled… */
export const runEvents = pgTable(
  "run_events",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    runId: uuid()
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    kind: runEventKind().notNull(),
    attempt: integer().notNull(),
    agentId: uuid().references(() => agents.id, { onDelete: "set null" }),
    message: text(),
    detail: jsonb().$type<Record<string, unknown>>(),
    at: timestampMs().notNull().defaultNow(),
  },
  (t) => [index("run_events_run_idx").on(t.runId, t.id)],
);

export const runEventsRelations = relations(runEvents, ({ one }) => ({
  run: one(runs, { fields: [runEvents.runId], references: [runs.id] }),
  agent: one(agents, { fields: [runEvents.agentId], references: [agents.id] }),
}));
