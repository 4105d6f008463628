// bench:memory — memory per image of a training step, agent (wasm) against PyTorch, same machine, same run.
//   npm run bench:memory -- [--mode full|final_block|head_only] [--size 224] [--batches 1,2,4]
//                           [--torch-batches 4,8] [--old] [--python PATH]
// Each point is a fresh process (the wasm heap only grows; max RSS only grows): one step of ResNet-152
// (100 classes, Adam) at the given batch. Agent: the wasm heap's high-water mark, every point with the
// layout the memory pre-flight picks for the study's batch of 128 (agent/src/train/memory-plan.ts),
// so the slope measures one layout; `--old` adds tfjs's whole-model tape (no recomputation) at
// batch 1. PyTorch: max RSS of a CPU step in train mode (bench/torch-bench.py's train_step job, whose
// frozen BatchNorm runs on running statistics: compare head_only/final_block with that in mind).
// Memory per image is the slope of a least-squares line through the points; the ratio agent ÷
// PyTorch is the target (≤ 1 for `full` at 224 px, issue 13).
import { segmentShapes } from "../agent/src/model/segment-shapes";
import { estimateStep, memoryBudgetFor } from "../agent/src/train/memory-plan";
import { planRunMemory } from "../agent/src/train/train-run";
import { measureStep } from "../agent/test/measure-step";
import { parseRunConfig } from "../shared/src/run-config";
import { runTorchJob } from "./anchor";
import { opt } from "./bench-util";

const mode = opt("mode", "full") as "full" | "final_block" | "head_only";
const size = Number(opt("size", "224"));
const batches = opt("batches", "1,2,4").split(",").map(Number);
const torchBatches = opt("torch-batches", "4,8").split(",").map(Number);
const { AI623_PYTHON } = process.env;
const python = opt("python", AI623_PYTHON ?? "/usr/bin/python3");

async function agentPoint(batch: number, layout: { microBatchSize: number | null; recompute: boolean }) {
  const m = await measureStep({
    freezeMode: mode,
    bnFrozen: "train",
    imageSize: size,
    batch,
    numClasses: 100,
    ...layout,
  });
  if (!m.ok) return { batch, failed: m.err.split("\n").at(-1) ?? "failed" };
  return { batch, heapMb: m.r.heapMb, rssMb: m.r.rssMb, seconds: Math.round(m.r.seconds * 10) / 10 };
}

/** PyTorch's step in its own process (max RSS only grows): torch-bench.py's train_step job, CPU. */
async function torchPoint(batch: number) {
  try {
    const r = await runTorchJob<{ stepMs: number; peakMb: number }>(python, {
      kind: "train_step",
      mode,
      batch,
      size,
      classes: 100,
      reps: 1,
    });
    return { batch, rssMb: Math.round(r.peakMb), seconds: Math.round(r.stepMs / 100) / 10 };
  } catch (e) {
    return { batch, failed: (e as Error).message.split("\n").filter(Boolean).at(-1) ?? "failed" };
  }
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return den === 0 ? null : num / den;
}

async function main(): Promise<void> {
  const started = performance.now();
  const config = parseRunConfig({ freezeMode: mode, imageSize: size, dataset: "cifar100" });
  const plan = planRunMemory(config, memoryBudgetFor("wasm"));
  console.error(`[bench:memory] the study's batch of 128 on wasm: ${JSON.stringify(plan)}`);
  const shapes = segmentShapes({ ...config, numClasses: 100 });
  const agent = [];
  for (const batch of batches) {
    const point = await agentPoint(batch, { microBatchSize: null, recompute: plan.recompute });
    const layout = { microBatchSize: batch, recompute: plan.recompute };
    const estimateMb = Math.round(estimateStep(shapes, layout, "adam", memoryBudgetFor("wasm")).peakMb);
    agent.push({ ...point, recompute: plan.recompute, estimateMb });
    console.error(`[bench:memory] agent batch ${batch}: ${JSON.stringify(agent.at(-1))}`);
  }
  const old = process.argv.includes("--old") ? await agentPoint(1, { microBatchSize: null, recompute: false }) : null;
  if (old) console.error(`[bench:memory] agent, whole-model tape, batch 1: ${JSON.stringify(old)}`);
  const torch = [];
  for (const batch of torchBatches) {
    torch.push(await torchPoint(batch));
    console.error(`[bench:memory] torch batch ${batch}: ${JSON.stringify(torch.at(-1))}`);
  }
  const agentPerImage = slope(agent.flatMap((p) => ("heapMb" in p ? [{ x: p.batch, y: p.heapMb! }] : [])));
  const torchPerImage = slope(torch.flatMap((p) => ("rssMb" in p ? [{ x: p.batch, y: p.rssMb! }] : [])));
  const ratio = agentPerImage !== null && torchPerImage ? agentPerImage / torchPerImage : null;
  const f = (x: number | null | undefined) => (x == null ? "—" : String(Math.round(x)));
  console.log(`ResNet-152 ${mode} step at ${size} px, 100 classes, Adam. One fresh process per point.`);
  console.log(
    "Agent: tfjs wasm heap high-water mark (1 thread), layout from the memory pre-flight. PyTorch: max RSS, CPU.",
  );
  console.log(" batch   agent heap MB  estimate MB  layout              s    |  batch  torch RSS MB   s");
  for (let i = 0; i < Math.max(agent.length, torch.length); i++) {
    const a = agent[i];
    const t = torch[i];
    const left = a
      ? `${String(a.batch).padStart(6)} ${("failed" in a ? "failed" : f(a.heapMb)).padStart(14)} ${f(a.estimateMb).padStart(12)}  ${(a.recompute ? "recompute" : "whole tape").padEnd(12)} ${String("seconds" in a ? a.seconds : "").padStart(7)}`
      : " ".repeat(56);
    const right = t
      ? `${String(t.batch).padStart(6)} ${("failed" in t ? "failed" : f(t.rssMb)).padStart(13)} ${String("seconds" in t ? t.seconds : "").padStart(5)}`
      : "";
    console.log(`${left}    | ${right}`);
  }
  if (old)
    console.log(
      `whole-model tape (no recomputation), batch 1: ${"heapMb" in old ? `${old.heapMb} MB heap` : old.failed}`,
    );
  console.log(
    `memory per image: agent ${f(agentPerImage)} MB, PyTorch ${f(torchPerImage)} MB, ratio ${ratio?.toFixed(3) ?? "—"}`,
  );
  if (mode === "full" && size === 224 && ratio !== null && ratio > 0) {
    console.log(
      `target (issue 13): full step at 224 px, memory per image ≤ PyTorch's: ${ratio <= 1 ? "MET" : "MISSED"}`,
    );
  }
  console.log(
    JSON.stringify({
      bench: "memory",
      mode,
      size,
      plan,
      agent,
      old,
      torch,
      agentPerImageMb: agentPerImage,
      torchPerImageMb: torchPerImage,
      ratio,
      benchSeconds: Math.round((performance.now() - started) / 1000),
    }),
  );
}

void main();
