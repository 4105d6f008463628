import type { Metadata } from "next";
import { SharesPanel } from "@/components/shares-panel";

export const metadata: Metadata = { title: "Shares · ai623" };

export default function SharesPage() {
  return (
    <section aria-labelledby="shares-title" className="space-y-4">
      <h1 id="shares-title" className="text-xl font-semibold">
        Share links
      </h1>
      <SharesPanel />
    </section>
  );
}
