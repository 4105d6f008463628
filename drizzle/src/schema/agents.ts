import type { BackendId } from "@ai623/shared";
import { relations } from "drizzle-orm";
import { index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { timestampMs, timestamps } from "./columns";

export const agents = pgTable(
  "agents",
  {
    id: uuid().primaryKey().defaultRandom(),
    ownerId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    /** sha256 of the token, hex; the token itself is shown once and never stored. */
    tokenHash: text().notNull().unique(),
    /** First characters of the token, so a user can tell tokens apart. */
    tokenPrefix: text().notNull(),
    revokedAt: timestampMs(),
    lastHeartbeatAt: timestampMs(),
    hostname: text(),
    os: text(),
    cpu: text(),
    cpuCount: integer(),
    memoryMb: integer(),
    gpu: text(),
    backend: text().$type<BackendId>(),
    backendReason: text(),
    agentVersion: text(),
    ...timestamps,
  },
  (t) => [index("agents_owner_idx").on(t.ownerId)],
);

export const agentsRelations = relations(agents, ({ one }) => ({
  owner: one(users, { fields: [agents.ownerId], references: [users.id] }),
}));
