"use client";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { CopyButton } from "@/components/copy-button";
import { buttonClass, Dialog, ErrorNote, inputClass } from "@/components/ui";
import { useTRPC } from "@/trpc/client";

/** Make a public read-only link to this comparison: frozen now (the default) or live. */
export function ShareButton({ runIds, defaultTitle }: { runIds: string[]; defaultTitle: string }) {
  const trpc = useTRPC();
  const dialog = useRef<HTMLDialogElement>(null);
  const [url, setUrl] = useState<string | null>(null);
  const create = useMutation(
    trpc.shares.create.mutationOptions({ onSuccess: (share) => setUrl(`${window.location.origin}/s/${share.token}`) }),
  );
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      runIds,
      title: String(form.get("title") ?? ""),
      mode: form.get("mode") === "live" ? "live" : "snapshot",
    });
  }
  function close() {
    dialog.current?.close();
    setUrl(null);
    create.reset();
  }
  return (
    <>
      <button type="button" className={buttonClass("primary", "sm")} onClick={() => dialog.current?.showModal()}>
        Share
      </button>
      <Dialog ref={dialog} id="share" title="Share this comparison" onClose={close}>
        {url ? (
          <div className="mt-4 space-y-4 text-sm">
            <p>Anyone with this link can read the comparison and its analysis; nothing else of yours.</p>
            <div className="flex items-center gap-2">
              <a
                data-testid="share-url"
                href={url}
                className="flex-1 break-all rounded bg-slate-100 p-2 font-mono text-xs dark:bg-slate-800"
              >
                {url}
              </a>
              <CopyButton text={url} label="Copy link" />
            </div>
            <p className="text-xs text-slate-500">Revoke it any time on the Shares page.</p>
            <button type="button" className={buttonClass()} onClick={close}>
              Done
            </button>
          </div>
        ) : (
          <form onSubmit={onSubmit} className="mt-4 space-y-4">
            <label className="block text-sm font-medium">
              Title
              <input name="title" required maxLength={200} defaultValue={defaultTitle} className={inputClass} />
            </label>
            <fieldset className="space-y-2 text-sm">
              <legend className="font-medium">What the link shows</legend>
              <label className="flex items-start gap-2">
                <input type="radio" name="mode" value="snapshot" defaultChecked className="mt-1" />
                <span>A snapshot: the runs, metrics and analysis as they are now, frozen</span>
              </label>
              <label className="flex items-start gap-2">
                <input type="radio" name="mode" value="live" className="mt-1" />
                <span>Live: the runs as they are whenever someone opens it</span>
              </label>
            </fieldset>
            {create.error ? <ErrorNote>{create.error.message}</ErrorNote> : null}
            <div className="flex justify-end gap-2">
              <button type="button" className={buttonClass("ghost")} onClick={close}>
                Cancel
              </button>
              <button type="submit" className={buttonClass()} disabled={create.isPending}>
                Create link
              </button>
            </div>
          </form>
        )}
      </Dialog>
    </>
  );
}
