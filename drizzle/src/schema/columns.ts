import { timestamp } from "drizzle-orm/pg-core";

/**
 * A timestamp with millisecond precision: it round-trips exactly through a JS `Date`, which keyset
 * cursors rely on (a microsecond column would make `(created_at, id) < (cursor)` skip or repeat rows).
 */
export const timestampMs = () => timestamp({ withTimezone: true, precision: 3 });

/** The timestamps every table carries. */
export const timestamps = {
  createdAt: timestampMs().notNull().defaultNow(),
  updatedAt: timestampMs()
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};
