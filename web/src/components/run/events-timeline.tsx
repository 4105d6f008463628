import type { RunEvent } from "@ai623/drizzle";
import { timestamp } from "@/lib/format";

const labels: Record<RunEvent["kind"], string> = {
  created: "Queued",
  claimed: "Claimed",
  started: "Training started",
  resumed: "Resumed from a checkpoint",
  checkpoint: "Checkpoint",
  cancel_requested: "Cancel requested",
  cancelled: "Cancelled",
  released: "Handed back to the queue",
  lost: "Lost (lease expired)",
  requeued: "Requeued",
  succeeded: "Succeeded",
  failed: "Failed",
};

const tone: Partial<Record<RunEvent["kind"], string>> = {
  failed: "bg-red-500",
  lost: "bg-orange-500",
  cancelled: "bg-amber-500",
  cancel_requested: "bg-amber-400",
  succeeded: "bg-emerald-500",
  resumed: "bg-sky-500",
};

/** What happened to the run, oldest first; checkpoints are folded into one line per attempt. */
export function EventsTimeline({ events }: { events: RunEvent[] }) {
  const shown = events.filter((e, i) => e.kind !== "checkpoint" || events[i + 1]?.kind !== "checkpoint");
  return (
    <ol className="space-y-3 border-l border-slate-200 pl-4 dark:border-slate-800" data-testid="events-timeline">
      {shown.map((e) => (
        <li key={e.id} className="relative text-sm" data-kind={e.kind}>
          <span
            className={`absolute top-1.5 -left-[1.3rem] h-2 w-2 rounded-full ${tone[e.kind] ?? "bg-slate-400"}`}
            aria-hidden
          />
          <p className="font-medium">
            {labels[e.kind]}
            <span className="ml-2 text-xs font-normal text-slate-500">attempt {e.attempt}</span>
          </p>
          {e.message ? <p className="text-slate-600 dark:text-slate-400">{e.message}</p> : null}
          <time className="text-xs text-slate-500" dateTime={e.at.toISOString()}>
            {timestamp(e.at)}
          </time>
        </li>
      ))}
    </ol>
  );
}
