import { z } from "zod";

/** Run lifecycle (DESIGN.md): queued → claimed → running → succeeded | failed | cancelled; lost → queued. */
export const runStatuses = ["queued", "claimed", "running", "succeeded", "failed", "cancelled", "lost"] as const;
export const runStatusSchema = z.enum(runStatuses);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const terminalStatuses: readonly RunStatus[] = ["succeeded", "failed", "cancelled"];
export const activeStatuses: readonly RunStatus[] = ["claimed", "running"];

export const runEventKinds = [
  "created",
  "claimed",
  "started",
  "resumed",
  "checkpoint",
  "cancel_requested",
  "cancelled",
  "released",
  "lost",
  "requeued",
  "succeeded",
  "failed",
] as const;
export const runEventKindSchema = z.enum(runEventKinds);
export type RunEventKind = z.infer<typeof runEventKindSchema>;
