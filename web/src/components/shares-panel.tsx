"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CopyButton } from "@/components/copy-button";
import { TableHead } from "@/components/table-head";
import { ConfirmButton, EmptyState, ErrorNote } from "@/components/ui";
import { timestamp } from "@/lib/format";
import { useTRPC } from "@/trpc/client";

/** The user's share links: open, copy, revoke. */
export function SharesPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const shares = useQuery(trpc.shares.list.queryOptions());
  const revoke = useMutation(
    trpc.shares.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.shares.list.queryKey() }),
    }),
  );
  if (shares.isPending) return <p className="text-sm">Loading…</p>;
  if (shares.isError) return <ErrorNote>{shares.error.message}</ErrorNote>;
  if (shares.data.length === 0) {
    return (
      <EmptyState title="No share links yet.">
        Compare runs (select them on the Runs page) and press Share: the link shows the comparison and its analysis to
        anyone, without an account.
      </EmptyState>
    );
  }
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <TableHead
          columns={[
            { label: "Title" },
            { label: "Kind" },
            { label: "Runs" },
            { label: "Created" },
            { label: "Link" },
            { label: "Actions", hidden: true },
          ]}
        />
        <tbody>
          {shares.data.map((s) => {
            const url = `${origin}/s/${s.token}`;
            return (
              <tr key={s.id} className="border-b border-slate-100 dark:border-slate-900" data-testid="share-row">
                <td className="py-2 pr-4 font-medium">{s.title}</td>
                <td className="py-2 pr-4">{s.mode === "snapshot" ? "snapshot" : "live"}</td>
                <td className="py-2 pr-4">{s.runIds.length}</td>
                <td className="py-2 pr-4">{timestamp(s.createdAt)}</td>
                <td className="py-2 pr-4">
                  {s.revokedAt ? (
                    <span className="text-xs text-slate-500">revoked {timestamp(s.revokedAt)}</span>
                  ) : (
                    <span className="inline-flex items-center gap-2">
                      <a href={url} className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                        Open
                      </a>
                      <CopyButton text={url} label={`Copy the link of ${s.title}`} />
                    </span>
                  )}
                </td>
                <td className="py-2 text-right">
                  {s.revokedAt ? null : (
                    <ConfirmButton
                      label="Revoke"
                      ariaLabel={`Revoke ${s.title}`}
                      confirm={`Revoke "${s.title}"? The link stops working at once.`}
                      disabled={revoke.isPending}
                      onConfirm={() => revoke.mutate({ shareId: s.id })}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {revoke.error ? <ErrorNote>{revoke.error.message}</ErrorNote> : null}
    </div>
  );
}
