import type { RunView } from "@ai623/drizzle";
import type { GpuAdapter, MemoryPlan } from "@ai623/shared";
import type { ReactNode } from "react";
import { cardClass } from "@/components/ui";
import { ago } from "@/lib/format";
import { describeAdapter, describeMemoryPlan } from "@/lib/run-setup";

const noteClass =
  "rounded-md border border-amber-300 bg-amber-50 px-2 py-1.5 text-xs text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100";

/** The run page's agent card: who trains the run, on what, and how the step fits in memory. */
export function AgentPanel({ run, agent }: Pick<RunView, "run" | "agent">) {
  return (
    <section aria-labelledby="agent-title" className={cardClass} data-testid="run-agent">
      <h2 id="agent-title" className="text-sm font-semibold">
        Agent
      </h2>
      {agent ? (
        <dl className="mt-2 space-y-1 text-sm">
          <div className="flex justify-between gap-2">
            <dt className="text-slate-500">Name</dt>
            <dd className="min-w-0 text-right wrap-anywhere">
              {agent.name}{" "}
              <span className={agent.online ? "text-emerald-600" : "text-slate-500"}>
                {agent.online ? "online" : agent.revoked ? "revoked" : "offline"}
              </span>
            </dd>
          </div>
          <Row label="Host" value={agent.hostname} />
          <Row label="Backend" value={run.backend ?? agent.backend} />
          <Row label="Device" value={run.device ?? agent.gpu ?? agent.cpu} />
          <Row label="CPU" value={agent.cpu ? `${agent.cpu}${agent.cpuCount ? ` × ${agent.cpuCount}` : ""}` : null} />
          <Row label="Memory" value={agent.memoryMb ? `${Math.round(agent.memoryMb / 1024)} GB` : null} />
          <Row label="OS" value={agent.os} />
          <Row label="Heartbeat" value={ago(agent.lastHeartbeatAt)} />
          {run.prefixCached !== null ? (
            <Row label="Frozen prefix" value={run.prefixCached ? "computed once, cached" : "recomputed each step"} />
          ) : null}
          {agent.backendReason ? (
            <p className="pt-1 text-xs text-slate-500 wrap-anywhere">{agent.backendReason}</p>
          ) : null}
        </dl>
      ) : (
        <p className="mt-2 text-sm text-slate-500">Not claimed yet.</p>
      )}
      {run.adapter ? <AdapterSection adapter={run.adapter} /> : null}
      {run.memoryPlan ? <MemoryPlanSection plan={run.memoryPlan} /> : null}
    </section>
  );
}

function Subsection({
  id,
  title,
  testId,
  children,
}: {
  id: string;
  title: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <section
      aria-labelledby={id}
      className="mt-3 border-t border-slate-100 pt-3 dark:border-slate-800"
      data-testid={testId}
    >
      <h3 id={id} className="text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
        {title}
      </h3>
      {children}
    </section>
  );
}

function AdapterSection({ adapter }: { adapter: GpuAdapter }) {
  const a = describeAdapter(adapter);
  return (
    <Subsection id="adapter-title" title="GPU adapter" testId="run-adapter">
      <dl className="mt-2 space-y-1 text-sm">
        <Row label="Adapter" value={a.name} />
        <Row label="Description" value={a.description} />
        <Row label="Max buffer" value={a.maxBuffer} />
        <Row label="Max storage binding" value={a.maxStorageBinding} />
        <Row label="Memory budget" value={`${a.memoryBudget} (set on the agent)`} />
      </dl>
      {a.softwareNote ? (
        <p role="note" className={`mt-2 ${noteClass}`} data-testid="software-adapter">
          {a.softwareNote}
        </p>
      ) : null}
    </Subsection>
  );
}

function MemoryPlanSection({ plan }: { plan: MemoryPlan }) {
  const p = describeMemoryPlan(plan);
  return (
    <Subsection id="memory-plan-title" title="Memory plan" testId="memory-plan">
      <ul className="mt-2 space-y-1 text-sm wrap-anywhere">
        <li>{p.batch}</li>
        {p.recompute ? <li>{p.recompute}</li> : null}
        <li className="text-slate-600 dark:text-slate-400">{p.peak}</li>
      </ul>
      {p.batchNormDeviation ? (
        <p role="note" className={`mt-2 ${noteClass}`} data-testid="bn-deviation">
          <strong className="font-semibold">Deviation from the study:</strong> {p.batchNormDeviation}
        </p>
      ) : null}
    </Subsection>
  );
}

/** A label and its value; a long value (an adapter's description, a host name) wraps instead of widening the card. */
function Row({ label, value }: { label: string; value: string | null | undefined }) {
  if (!value) return null;
  return (
    <div className="flex justify-between gap-2">
      <dt className="shrink-0 text-slate-500">{label}</dt>
      {/* heartbeat ages differ by a second between the server's render and the browser's */}
      <dd className="min-w-0 text-right wrap-anywhere" suppressHydrationWarning>
        {value}
      </dd>
    </div>
  );
}
