"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useRef, useState } from "react";
import { ago } from "@/lib/format";
import { useTRPC } from "@/trpc/client";
import { CopyButton } from "./copy-button";
import { TableHead } from "./table-head";
import { buttonClass, ConfirmButton, Dialog, EmptyState, ErrorNote, inputClass } from "./ui";

const button = buttonClass();

export function AgentsPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // heartbeat ages and online states move on their own: refresh every few seconds
  const agents = useQuery({ ...trpc.agents.list.queryOptions(), refetchInterval: 5000 });
  const dialog = useRef<HTMLDialogElement>(null);
  const [created, setCreated] = useState<{ token: string; command: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.agents.list.queryKey() });
  const create = useMutation(
    trpc.agents.create.mutationOptions({
      onSuccess: (result) => {
        setCreated({ token: result.token, command: result.command });
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.agents.revoke.mutationOptions({ onSuccess: () => void refresh() }));

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate({ name: String(new FormData(event.currentTarget).get("name") ?? "") });
  }

  function close() {
    dialog.current?.close();
    setCreated(null);
    create.reset();
  }

  return (
    <section aria-labelledby="agents-title">
      <div className="flex items-center justify-between">
        <h1 id="agents-title" className="text-xl font-semibold">
          Agents
        </h1>
        <button type="button" className={button} onClick={() => dialog.current?.showModal()}>
          Create token
        </button>
      </div>
      <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
        An agent is a machine that trains your queued runs. Each one authenticates with its own token.
      </p>

      {agents.isPending ? (
        <p className="mt-6 text-sm">Loading…</p>
      ) : agents.isError ? (
        <div className="mt-6">
          <ErrorNote>{agents.error.message}</ErrorNote>
        </div>
      ) : agents.data.length === 0 ? (
        <div className="mt-6">
          <EmptyState title="No agents yet.">
            Create a token, then run the command it shows on the machine that should train: a GPU box, or any computer
            for a small run (<code>npx ai623-agent --server … --token …</code>, Node 20 or newer). It claims your queued
            runs one at a time and reports every epoch here.
          </EmptyState>
        </div>
      ) : (
        <table className="mt-6 w-full text-left text-sm">
          <TableHead
            columns={[
              { label: "Name" },
              { label: "State" },
              { label: "Host" },
              { label: "Backend" },
              { label: "Device" },
              { label: "Current run" },
              { label: "Last heartbeat" },
              { label: "Token" },
              { label: "Actions", hidden: true },
            ]}
          />
          <tbody>
            {agents.data.map((agent) => (
              <tr key={agent.id} className="border-b border-slate-100 dark:border-slate-900" data-testid="agent-row">
                <td className="py-2 pr-4 font-medium">{agent.name}</td>
                <td className="py-2 pr-4">
                  <span
                    data-testid="agent-state"
                    className={`inline-flex items-center gap-1 text-xs font-medium ${agent.online ? "text-emerald-700 dark:text-emerald-300" : "text-slate-500"}`}
                  >
                    <span
                      aria-hidden
                      className={`h-2 w-2 rounded-full ${agent.online ? "bg-emerald-500" : "bg-slate-400"}`}
                    />
                    {agent.revokedAt
                      ? "revoked"
                      : agent.online
                        ? "online"
                        : agent.lastHeartbeatAt
                          ? "offline"
                          : "never connected"}
                  </span>
                </td>
                <td className="py-2 pr-4">
                  {agent.hostname ? `${agent.hostname}${agent.os ? ` (${agent.os})` : ""}` : "—"}
                </td>
                <td className="py-2 pr-4" title={agent.backendReason ?? undefined}>
                  {agent.backend ?? "—"}
                </td>
                <td className="py-2 pr-4">
                  {agent.gpu ?? (agent.cpu ? `${agent.cpu}${agent.cpuCount ? ` × ${agent.cpuCount}` : ""}` : "—")}
                </td>
                <td className="py-2 pr-4">
                  {agent.currentRun ? (
                    <Link
                      href={`/runs/${agent.currentRun.id}`}
                      className="font-medium text-indigo-600 hover:underline dark:text-indigo-400"
                    >
                      {agent.currentRun.name}
                    </Link>
                  ) : (
                    <span className="text-slate-500">idle</span>
                  )}
                </td>
                <td className="py-2 pr-4">
                  <time dateTime={agent.lastHeartbeatAt?.toISOString()}>{ago(agent.lastHeartbeatAt)}</time>
                </td>
                <td className="py-2 pr-4 font-mono text-xs">{agent.tokenPrefix}…</td>
                <td className="py-2 text-right">
                  {agent.revokedAt ? (
                    <span className="text-xs text-slate-500">revoked</span>
                  ) : (
                    <ConfirmButton
                      label="Revoke"
                      ariaLabel={`Revoke ${agent.name}`}
                      confirm={`Revoke "${agent.name}"? It stops working at its next call.`}
                      disabled={revoke.isPending}
                      onConfirm={() => revoke.mutate({ agentId: agent.id })}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <Dialog ref={dialog} id="create-agent" title="Create an agent token" onClose={close}>
        {created ? (
          <div className="mt-4 space-y-4 text-sm">
            <p>Copy it now: the token is shown only once.</p>
            <CopyableCode title="Token" testId="agent-token" text={created.token} copyLabel="Copy token" />
            <CopyableCode
              title="Run this on the machine that should train"
              testId="agent-command"
              text={created.command}
              copyLabel="Copy command"
            />
            <button type="button" className={button} onClick={close}>
              Done
            </button>
          </div>
        ) : (
          <form onSubmit={onCreate} className="mt-4 space-y-4">
            <label className="block text-sm font-medium">
              Name
              <input name="name" required maxLength={100} placeholder="e.g. lab-gpu-1" className={inputClass} />
            </label>
            {create.error ? <ErrorNote>{create.error.message}</ErrorNote> : null}
            <div className="flex justify-end gap-2">
              <button type="button" className="rounded-md px-3 py-2 text-sm" onClick={close}>
                Cancel
              </button>
              <button type="submit" className={button} disabled={create.isPending}>
                Create
              </button>
            </div>
          </form>
        )}
      </Dialog>
    </section>
  );
}

/** A value shown once with its copy button (the token, the command that starts the agent). */
function CopyableCode({
  title,
  testId,
  text,
  copyLabel,
}: {
  title: string;
  testId: string;
  text: string;
  copyLabel: string;
}) {
  return (
    <div>
      <p className="font-medium">{title}</p>
      <div className="mt-1 flex items-center gap-2">
        <code data-testid={testId} className="block flex-1 break-all rounded bg-slate-100 p-2 dark:bg-slate-800">
          {text}
        </code>
        <CopyButton text={text} label={copyLabel} />
      </div>
    </div>
  );
}
