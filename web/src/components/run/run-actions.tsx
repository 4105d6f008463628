"use client";
import type { Run } from "@ai623/drizzle";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef } from "react";
import { buttonClass, Dialog, ErrorNote } from "@/components/ui";
import { useTRPC } from "@/trpc/client";

/** Cancel, requeue, clone with changes, delete (confirmed in a dialog): each offered only when it can work. */
export function RunActions({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useMutation(trpc.runs.cancel.mutationOptions({ onSuccess: onChanged }));
  const requeue = useMutation(trpc.runs.requeue.mutationOptions({ onSuccess: onChanged }));
  const remove = useMutation(
    trpc.runs.delete.mutationOptions({
      onSuccess: () => {
        router.push("/runs");
        router.refresh();
      },
    }),
  );
  const active = run.status === "claimed" || run.status === "running";
  const cancellable = run.status === "queued" || run.status === "lost" || (active && !run.cancelRequested);
  const requeueable = run.status === "failed" || run.status === "cancelled" || run.status === "lost";
  const error = cancel.error ?? requeue.error ?? remove.error;
  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex flex-wrap justify-end gap-2">
        {cancellable ? (
          <button
            type="button"
            className={buttonClass("secondary")}
            disabled={cancel.isPending}
            onClick={() => cancel.mutate({ runId: run.id })}
          >
            {active ? "Cancel run" : "Cancel"}
          </button>
        ) : null}
        {requeueable ? (
          <button
            type="button"
            className={buttonClass("secondary")}
            disabled={requeue.isPending}
            onClick={() => requeue.mutate({ runId: run.id })}
          >
            Requeue
          </button>
        ) : null}
        <Link href={`/runs/new?from=${run.id}`} className={buttonClass("secondary")}>
          Clone with changes
        </Link>
        <button
          type="button"
          className={buttonClass("ghost")}
          disabled={active}
          title={active ? "Cancel it first: an agent is training it" : undefined}
          onClick={() => dialog.current?.showModal()}
        >
          Delete
        </button>
      </div>
      {error ? <ErrorNote>{error.message}</ErrorNote> : null}
      <Dialog ref={dialog} id="delete" title={`Delete “${run.name}”?`} size="md">
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
          Its {run.epochsRecorded} recorded epochs and its timeline are deleted with it. This cannot be undone.
        </p>
        <div className="mt-6 flex justify-end gap-2">
          <button type="button" className={buttonClass("ghost")} onClick={() => dialog.current?.close()}>
            Keep it
          </button>
          <button
            type="button"
            className={buttonClass("danger")}
            disabled={remove.isPending}
            onClick={() => remove.mutate({ runId: run.id })}
          >
            Delete run
          </button>
        </div>
      </Dialog>
    </div>
  );
}
