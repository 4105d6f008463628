// The site's few building blocks, so every page has the same buttons, fields and badges.
import type { RunStatus } from "@ai623/shared";
import type { ReactNode, Ref } from "react";

const buttons = {
  primary: "bg-indigo-600 text-white hover:bg-indigo-500 focus-visible:outline-indigo-600",
  secondary:
    "border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800",
  danger: "bg-red-600 text-white hover:bg-red-500 focus-visible:outline-red-600",
  ghost: "text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800",
} as const;

export function buttonClass(variant: keyof typeof buttons = "primary", size: "sm" | "md" = "md"): string {
  const pad = size === "sm" ? "px-2.5 py-1 text-xs" : "px-3 py-2 text-sm";
  return `inline-flex items-center justify-center gap-1 rounded-md font-semibold focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-not-allowed disabled:opacity-60 ${pad} ${buttons[variant]}`;
}

export const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 aria-invalid:border-red-500 dark:border-slate-700 dark:bg-slate-950 dark:text-slate-100";

export const cardClass = "rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

/** A labelled control with its hint and its error, wired for screen readers (aria-describedby). */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string;
  /** The control; give it `id`, `aria-invalid={!!error}` and `aria-describedby={describedBy(id, hint, error)}`. */
  children: ReactNode;
}) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {children}
      {hint && !error ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function describedBy(id: string, hint: unknown, error: string | undefined): string | undefined {
  if (error) return `${id}-error`;
  return hint ? `${id}-hint` : undefined;
}

const statusColours: Record<RunStatus, string> = {
  queued: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200",
  claimed: "bg-sky-100 text-sky-800 dark:bg-sky-900 dark:text-sky-100",
  running: "bg-indigo-100 text-indigo-800 dark:bg-indigo-900 dark:text-indigo-100",
  succeeded: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100",
  failed: "bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-100",
  cancelled: "bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-100",
  lost: "bg-orange-100 text-orange-800 dark:bg-orange-900 dark:text-orange-100",
};

export function StatusBadge({ status, cancelRequested = false }: { status: RunStatus; cancelRequested?: boolean }) {
  return (
    <span
      data-testid="run-status"
      data-status={status}
      className={`inline-block rounded px-2 py-0.5 text-xs font-medium whitespace-nowrap ${statusColours[status]}`}
    >
      {status}
      {cancelRequested && (status === "claimed" || status === "running") ? " · cancelling" : ""}
    </span>
  );
}

/** A dashed box for "nothing here yet", always with the next step. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 p-8 text-sm dark:border-slate-700">
      <p className="font-medium">{title}</p>
      <div className="mt-2 text-slate-600 dark:text-slate-400">{children}</div>
    </div>
  );
}

export function ErrorNote({ children }: { children: ReactNode }) {
  return (
    <p
      role="alert"
      className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
    >
      {children}
    </p>
  );
}

/** A modal dialog (the native <dialog>: focus trap, Escape, backdrop) with its title as its label. */
export function Dialog({
  ref,
  id,
  title,
  onClose,
  size = "lg",
  children,
}: {
  ref: Ref<HTMLDialogElement>;
  id: string;
  title: string;
  onClose?: () => void;
  size?: "md" | "lg";
  children: ReactNode;
}) {
  return (
    <dialog
      ref={ref}
      aria-labelledby={`${id}-title`}
      onClose={onClose}
      className={`m-auto w-full ${size === "md" ? "max-w-md" : "max-w-lg"} rounded-xl border border-slate-200 bg-white p-6 text-slate-900 backdrop:bg-black/40 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100`}
    >
      <h2 id={`${id}-title`} className="text-lg font-semibold">
        {title}
      </h2>
      {children}
    </dialog>
  );
}

/** A revoke (or similar) button that asks first: `confirm` says what happens, in the person's words. */
export function ConfirmButton({
  label,
  ariaLabel,
  confirm,
  disabled,
  onConfirm,
}: {
  label: string;
  ariaLabel: string;
  confirm: string;
  disabled?: boolean;
  onConfirm: () => void;
}) {
  return (
    <button
      type="button"
      className="rounded px-2 py-1 text-xs font-medium text-red-600 hover:bg-red-50 disabled:opacity-60 dark:text-red-400 dark:hover:bg-red-950"
      aria-label={ariaLabel}
      disabled={disabled}
      onClick={() => {
        if (window.confirm(confirm)) onConfirm();
      }}
    >
      {label}
    </button>
  );
}

/** A titled card of the launch form and similar pages. */
export function FormSection({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={`${id}-title`} className={`${cardClass} space-y-4`}>
      <h2 id={`${id}-title`} className="text-sm font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}
