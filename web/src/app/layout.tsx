import type { Metadata } from "next";
import type { ReactNode } from "react";
import { themeScript } from "@/components/theme-toggle";
import { TRPCReactProvider } from "@/trpc/client";
import "./globals.css";

export const metadata: Metadata = {
  title: "ai623",
  description: "Launch ResNet-152 transfer-learning runs, watch them live, compare them and share the analysis.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // the pre-paint script may add class="dark" before React hydrates
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: a constant script, no user input */}
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="min-h-screen bg-white font-sans text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
