import type { ComparisonInput, ComparisonReport } from "@ai623/shared";
import { relations } from "drizzle-orm";
import { index, jsonb, pgEnum, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { timestampMs, timestamps } from "./columns";

export const shareMode = pgEnum("share_mode", ["snapshot", "live"]);

/** What a frozen link keeps: the runs and metrics as they were, and the report written from them then. */
export interface ShareSnapshot {
  runs: ComparisonInput;
  report: ComparisonReport;
  takenAt: string;
}

/** A public, read-only link to a comparison: frozen (a snapshot) or live (the runs as they are now). */
export const shares = pgTable(
  "shares",
  {
    id: uuid().primaryKey().defaultRandom(),
    ownerId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The unguessable part of the link (32 random bytes, base64url). It is a read capability, like the URL itself. */
    token: text().notNull().unique(),
    title: text().notNull(),
    mode: shareMode().notNull(),
    runIds: uuid().array().notNull(),
    /** Set for `snapshot` links; live links read the runs at each view. */
    snapshot: jsonb().$type<ShareSnapshot>(),
    revokedAt: timestampMs(),
    ...timestamps,
  },
  (t) => [index("shares_owner_idx").on(t.ownerId, t.createdAt.desc().nullsFirst())],
);

export const sharesRelations = relations(shares, ({ one }) => ({
  owner: one(users, { fields: [shares.ownerId], references: [users.id] }),
}));
