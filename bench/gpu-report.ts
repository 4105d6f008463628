// bench:gpu's report: the step table, the end-to-end line and the issue's targets as text, and the
// same as one JSON object. Pure: bench/gpu.ts measures, this formats.
import type { BackendId, FreezeMode, GpuAdapter } from "@ai623/shared";
import { formatAdapter } from "../agent/src/backend/webgpu-adapter";
import type { AgentE2E, E2E, TorchInfo } from "./anchor";
import { describePrefix } from "./anchor";
import { pad, r1, ratio } from "./bench-util";

export type Failed = { failed: string };

export interface MemoryReading {
  peakMb: number;
  /** what was resident before the step: weights, optimiser slots */
  residentMb: number;
  /** webgpu: tfjs-backend-webgpu's buffer pool after the steps (numBytesInGPUAllocated) */
  poolMb?: number;
  memorySource: string;
}

export interface AgentPoint extends MemoryReading {
  stepMs: number;
  layout: { microBatchSize: number; microBatches: number; recompute: boolean; estimatedPeakMb: number };
}

export interface TorchPoint extends MemoryReading {
  stepMs: number;
}

export interface Row {
  size: number;
  batch: number;
  mode: FreezeMode;
  agent: AgentPoint | Failed;
  torch: TorchPoint | Failed | null;
}

export interface E2ERow {
  epochs: number;
  images: number;
  val: number;
  size: number;
  batch: number;
  agent: AgentE2E | Failed;
  torch: E2E | Failed | null;
  timeRatio: number | null;
}

export interface ReportInput {
  title: string;
  backend: BackendId;
  adapter: GpuAdapter | null;
  threads: number;
  torch: TorchInfo | null;
  rows: Row[];
  e2e: E2ERow | null;
}

export const ok = <T extends object>(p: T | Failed | null | undefined): T | null => (p && !("failed" in p) ? p : null);
const perImage = (p: MemoryReading, batch: number) => Math.max(0, p.peakMb - p.residentMb) / batch;
/** MB for the table: whole from 100 up, else one decimal */
const fmtMb = (x: number | null | undefined) => (x == null ? null : x >= 100 ? Math.round(x) : r1(x));
const r3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

/** The adapter (description, architecture, software or not, limits, budget), or the CPU backend. */
export const describeAgent = (i: Pick<ReportInput, "backend" | "adapter" | "threads">) =>
  i.adapter
    ? `webgpu on ${formatAdapter(i.adapter)}`
    : `${i.backend} backend, ${i.threads} thread${i.threads === 1 ? "" : "s"}`;

/** Why the targets are not judged here, or null on a hardware adapter against PyTorch on CUDA. */
function notJudged(i: ReportInput): string | null {
  if (!i.adapter) return `${i.backend} backend`;
  if (i.adapter.software) return "software adapter";
  return i.torch?.cuda ? null : "PyTorch not on CUDA";
}

export function renderGpuReport(i: ReportInput) {
  const { torch, adapter, e2e } = i;
  const agentLine = describeAgent(i);
  const torchLine = torch
    ? `PyTorch ${torch.version} on ${torch.cuda ? `CUDA (${torch.cuda}), fp32 (TF32 off)` : `the CPU, ${torch.threads} threads`}`
    : "PyTorch: not available";
  const judged = notJudged(i);
  const out: string[] = [];
  out.push(i.title);
  out.push(`Agent: ${agentLine}.`);
  out.push(`${torchLine}.`);
  const agentMem = i.rows.map((r) => ok(r.agent)?.memorySource).find(Boolean) ?? "—";
  const torchMem = i.rows.map((r) => ok(r.torch)?.memorySource).find(Boolean) ?? "—";
  out.push(`Memory: agent ${agentMem}; PyTorch ${torchMem}. MB/img = (peak − resident before the step) ÷ batch.`);
  out.push(`Time ratio = agent ÷ PyTorch step time; memory ratio = agent ÷ PyTorch MB/img.`);
  out.push(
    `${pad("px", 4)}${pad("batch", 6)}  ${"mode".padEnd(12)}${"agent layout".padEnd(22)}${pad("img/s agent", 12)}${pad("torch", 9)}${pad("time", 9)}${pad("peak MB agent", 14)}${pad("torch", 8)}${pad("MB/img agent", 13)}${pad("torch", 7)}${pad("mem", 8)}`,
  );
  const rows = i.rows.map((r) => {
    const a = ok(r.agent);
    const t = ok(r.torch);
    const aImg = a ? perImage(a, r.batch) : null;
    const tImg = t ? perImage(t, r.batch) : null;
    const layout = a
      ? `${a.layout.microBatches > 1 ? `${a.layout.microBatches}×${a.layout.microBatchSize}` : "whole batch"}${a.layout.recompute ? ", recompute" : ""}`
      : "failed" in r.agent && r.agent.failed.startsWith("skipped")
        ? "skipped"
        : "FAILED (see JSON)";
    const ips = (ms: number | undefined) => (ms === undefined ? null : r1((r.batch * 1000) / ms));
    const timeRatio = a && t ? ratio(a.stepMs, t.stepMs) : null;
    const memRatio = aImg !== null && tImg ? ratio(aImg, tImg) : null;
    out.push(
      `${pad(r.size, 4)}${pad(r.batch, 6)}  ${r.mode.padEnd(12)}${layout.padEnd(22)}${pad(ips(a?.stepMs), 12)}${pad(ips(t?.stepMs), 9)}${pad(timeRatio, 9)}${pad(fmtMb(a?.peakMb), 14)}${pad(fmtMb(t?.peakMb), 8)}${pad(fmtMb(aImg), 13)}${pad(fmtMb(tImg), 7)}${pad(memRatio, 8)}`,
    );
    return {
      ...r,
      agentImagesPerSec: ips(a?.stepMs),
      torchImagesPerSec: ips(t?.stepMs),
      agentMbPerImage: r3(aImg),
      torchMbPerImage: r3(tImg),
      timeRatio,
      memoryRatio: memRatio,
    };
  });
  if (e2e) {
    const a = ok(e2e.agent);
    const t = ok(e2e.torch);
    out.push("");
    out.push(
      `End to end, head_only: ${e2e.epochs} epochs on ${e2e.images} synthetic images + a ${e2e.val}-image validation pass per epoch, ${e2e.size} px, batch ${e2e.batch}.`,
    );
    out.push(
      `  agent ${a ? `${a.wallS} s (${describePrefix(a)})` : `failed: ${"failed" in e2e.agent ? e2e.agent.failed : ""}`}; PyTorch ${t ? `${t.wallS} s` : e2e.torch && "failed" in e2e.torch ? `failed: ${e2e.torch.failed}` : "—"}; ratio ${e2e.timeRatio ?? "—"}`,
    );
  }
  const targets = [
    ...(e2e
      ? [
          {
            target: `head_only ${e2e.epochs} epochs, prefix cache, ${e2e.size} px`,
            limit: 0.5,
            value: e2e.timeRatio,
          },
        ]
      : []),
    ...rows
      .filter((r) => r.mode === "full")
      .map((r) => ({ target: `full step at ${r.size} px, batch ${r.batch}`, limit: 3, value: r.timeRatio })),
  ].map((t) => ({ ...t, met: judged || t.value === null ? null : t.value <= t.limit }));
  out.push("");
  out.push(
    `Targets (issue 13, agent ÷ PyTorch wall time, same run)${judged ? `: not judged here (${judged}; they apply to a hardware GPU against PyTorch on CUDA)` : ""}:`,
  );
  for (const t of targets) {
    const verdict = t.met === null ? (judged ? "n/a" : "n/a (not measured)") : t.met ? "MET" : "MISSED";
    out.push(`  ${`${t.target} ≤ ${t.limit}`.padEnd(46)}${pad(t.value, 8)}  ${verdict}`);
  }
  return {
    lines: out,
    json: {
      backend: i.backend,
      adapter,
      threads: i.threads,
      torch: torch ? { version: torch.version, torchvision: torch.torchvision, cuda: torch.cuda } : null,
      rows,
      e2e,
      targets,
    },
  };
}
