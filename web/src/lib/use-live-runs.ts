"use client";
import { useEffect, useRef, useState } from "react";

/** One run's change as /api/live sends it (see server/live.ts). */
export interface LiveRunChange {
  id: string;
  status: "queued" | "claimed" | "running" | "succeeded" | "failed" | "cancelled" | "lost";
  epochsRecorded: number;
  bestValAcc: number | null;
  cancelRequested: boolean;
  attempt: number;
  checkpointEpoch: number | null;
  updatedAt: string;
}

/** How often pages poll while the live stream is down (it reconnects by itself). */
export const fallbackPollMs = 3000;

/**
 * Subscribes to server-sent changes of the user's runs (`runIds`, or all of them when empty).
 * `live` is false until the stream is open and whenever it drops: callers poll then.
 */
export function useLiveRuns(runIds: string[], onChange: (change: LiveRunChange) => void): { live: boolean } {
  const [live, setLive] = useState(false);
  const handler = useRef(onChange);
  handler.current = onChange;
  const key = runIds.join(",");
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(key ? `/api/live?runs=${key}` : "/api/live");
    source.addEventListener("ready", () => setLive(true));
    source.addEventListener("run", (event) => handler.current(JSON.parse((event as MessageEvent<string>).data)));
    source.addEventListener("error", () => setLive(false));
    return () => source.close();
  }, [key]);
  return { live };
}
