import type { Metadata } from "next";
import { AgentsPanel } from "@/components/agents-panel";

export const metadata: Metadata = { title: "Agents · ai623" };

export default function AgentsPage() {
  return <AgentsPanel />;
}
