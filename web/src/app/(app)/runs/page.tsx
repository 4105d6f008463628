import type { Metadata } from "next";
import Link from "next/link";
import { TableHead } from "@/components/table-head";
import { getCaller } from "@/trpc/server";

export const metadata: Metadata = { title: "Runs · ai623" };
export const dynamic = "force-dynamic";

const percent = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)} %`);

export default async function RunsPage() {
  const api = await getCaller();
  const { items } = await api.runs.list({ limit: 100 });
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title" className="text-xl font-semibold">
        Runs
      </h1>
      {items.length === 0 ? (
        <div className="mt-6 rounded-xl border border-dashed border-slate-300 p-8 text-sm dark:border-slate-700">
          <p className="font-medium">No runs yet.</p>
          <p className="mt-2 text-slate-600 dark:text-slate-400">
            Start an agent on a machine that will train (
            <Link href="/agents" className="font-medium text-indigo-600 dark:text-indigo-400">
              create a token on the Agents page
            </Link>
            ), then queue a run with the API's <code>runs.create</code>; the agent claims it and its epochs appear here.
          </p>
        </div>
      ) : (
        <table className="mt-6 w-full text-left text-sm">
          <TableHead
            columns={["Name", "Status", "Dataset", "Training", "Epochs", "Best val acc", "Created"].map((label) => ({
              label,
            }))}
          />
          <tbody>
            {items.map((run) => (
              <tr key={run.id} className="border-b border-slate-100 dark:border-slate-900">
                <td className="py-2 pr-4 font-medium">{run.name}</td>
                <td className="py-2 pr-4">
                  <span className="rounded bg-slate-100 px-2 py-0.5 text-xs dark:bg-slate-800">{run.status}</span>
                </td>
                <td className="py-2 pr-4">{run.config.dataset}</td>
                <td className="py-2 pr-4">
                  {run.config.init} · {run.config.freezeMode}
                  {run.prefixCached ? (
                    <span
                      title="The agent computed the frozen prefix once per image and trained the rest on the cached features"
                      className="ml-2 rounded bg-emerald-100 px-1.5 py-0.5 text-xs text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200"
                    >
                      prefix cached
                    </span>
                  ) : null}
                </td>
                <td className="py-2 pr-4">
                  {run.epochsRecorded} / {run.config.epochs}
                </td>
                <td className="py-2 pr-4">{percent(run.bestValAcc)}</td>
                <td className="py-2">
                  <time dateTime={run.createdAt.toISOString()}>
                    {run.createdAt.toISOString().slice(0, 16).replace("T", " ")}
                  </time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
