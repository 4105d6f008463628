"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { authClient } from "@/lib/auth-client";

const input =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/40 dark:border-slate-700 dark:bg-slate-900";

export function AuthForm({ mode, github }: { mode: "sign-in" | "sign-up"; github: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const signUp = mode === "sign-up";

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setPending(true);
    setError(null);
    const result = signUp
      ? await authClient.signUp.email({ email, password, name: String(form.get("name") ?? "") || email })
      : await authClient.signIn.email({ email, password });
    setPending(false);
    if (result.error) {
      setError(result.error.message ?? "Something went wrong: try again.");
      return;
    }
    router.push("/runs");
    router.refresh();
  }

  return (
    <section aria-labelledby="auth-title" className="rounded-xl border border-slate-200 p-6 dark:border-slate-800">
      <h1 id="auth-title" className="text-lg font-semibold">
        {signUp ? "Create an account" : "Sign in"}
      </h1>
      <form onSubmit={onSubmit} className="mt-4 space-y-4">
        {signUp && (
          <label className="block text-sm font-medium">
            Name
            <input name="name" autoComplete="name" className={input} />
          </label>
        )}
        <label className="block text-sm font-medium">
          Email
          <input name="email" type="email" required autoComplete="email" className={input} />
        </label>
        <label className="block text-sm font-medium">
          Password
          <input
            name="password"
            type="password"
            required
            minLength={8}
            autoComplete={signUp ? "new-password" : "current-password"}
            className={input}
          />
        </label>
        {error && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {error}
          </p>
        )}
        <button
          type="submit"
          disabled={pending}
          className="w-full rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60"
        >
          {pending ? "Please wait…" : signUp ? "Create account" : "Sign in"}
        </button>
      </form>
      {github && (
        <button
          type="button"
          onClick={() => authClient.signIn.social({ provider: "github", callbackURL: "/runs" })}
          className="mt-3 w-full rounded-md border border-slate-300 px-3 py-2 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-900"
        >
          Continue with GitHub
        </button>
      )}
      <p className="mt-4 text-sm text-slate-600 dark:text-slate-400">
        {signUp ? (
          <>
            Already have an account?{" "}
            <Link href="/sign-in" className="font-medium text-indigo-600 dark:text-indigo-400">
              Sign in
            </Link>
          </>
        ) : (
          <>
            No account yet?{" "}
            <Link href="/sign-up" className="font-medium text-indigo-600 dark:text-indigo-400">
              Create one
            </Link>
          </>
        )}
      </p>
    </section>
  );
}
