"use client";
import { useRouter } from "next/navigation";
import { authClient } from "@/lib/auth-client";

export function UserMenu({ email, role }: { email: string; role: string }) {
  const router = useRouter();
  return (
    <details className="relative">
      <summary className="cursor-pointer list-none rounded-md px-2 py-1 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">
        <span className="sr-only">Account menu for </span>
        {email}
      </summary>
      <div
        role="menu"
        className="absolute right-0 z-10 mt-2 w-56 rounded-md border border-slate-200 bg-white p-2 shadow-lg dark:border-slate-700 dark:bg-slate-900"
      >
        <p className="px-2 py-1 text-xs text-slate-500 dark:text-slate-400">Role: {role}</p>
        <button
          type="button"
          role="menuitem"
          className="w-full rounded px-2 py-1 text-left text-sm hover:bg-slate-100 dark:hover:bg-slate-800"
          onClick={async () => {
            await authClient.signOut();
            router.push("/sign-in");
            router.refresh();
          }}
        >
          Sign out
        </button>
      </div>
    </details>
  );
}
