import type { ReactNode } from "react";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center px-6 py-12">
      <p className="mb-8 text-center text-2xl font-semibold tracking-tight">ai623</p>
      {children}
    </main>
  );
}
