// Training speed against PyTorch on the same machine, in one run (issue 9).
//   npm run bench:train -- [--images 5000] [--val 1000] [--epochs 10] [--batch 32] [--size 32]
//                          [--reps 3] [--full-reps 2] [--threads N] [--backend wasm|cpu] [--python PATH]
//                          [--e2e head_only,final_block|none]
// 1. Per freeze mode (head_only, final_block, full): the agent's forward (the mode's training-mode
//    forward, no gradients) and training step on ResNet-152, as images/s, against torchvision's
//    resnet152(weights=None, num_classes=10) with the same batch, image size and freeze rule. Frozen
//    BatchNorm is in eval mode on both sides (the agent's bnFrozen "eval"; PyTorch: model.train(), then
//    .eval() on every frozen BatchNorm2d). One warm-up call, then the median of --reps (--full-reps for
//    full, ~9 s a step on wasm). Plus one inference forward (everything in eval mode).
// 2. End to end: --epochs of head_only and of final_block on --images synthetic training images plus
//    a --val validation split. Agent: trainRun itself (seeded init, bnFrozen eval, no augmentation, so
//    the frozen-prefix cache applies; whether it did is reported). PyTorch: a plain loop like the
//    study's — tensors in memory, no DataLoader, a shuffle per epoch, Adam lr 1e-3,
//    forward/backward/step, one validation pass per epoch under no_grad. Agent wall = the trainRun call
//    (model build and prefix-cache build included; the synthetic dataset is generated beforehand);
//    PyTorch wall = model build + epochs, its random tensors already in memory.
// PyTorch runs bench/torch-bench.py in a child /usr/bin/python3 (or AI623_PYTHON / --python) with
// torch.set_num_threads(os.cpu_count()), on the CPU; without torch+torchvision the agent side runs alone.
// Ratios are agent ÷ PyTorch wall time (> 1: the agent is slower), the anchor being PyTorch measured
// in the same run. Targets (issue 9): 10-epoch head_only ≤ 0.5, 10-epoch final_block ≤ 1.0, one full
// step ≤ 3. Prints a table, the targets with MET/MISSED, then one JSON line. Progress goes to stderr.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import type { FreezeMode } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { initBackend, parseBackendName } from "../agent/src/backend/init";
import { applyFreeze } from "../agent/src/model/freeze";
import { buildResNet, disposeResNet } from "../agent/src/model/resnet";
import { createTrainStep } from "../agent/src/train/train-step";
import { type AgentE2E, agentE2E, describePrefix, type E2E, probeTorch, runTorchJob } from "./anchor";
import { opt, pad, r1, ratio, timeIt } from "./bench-util";

const num = (name: string, fallback: number) => Number(opt(name, `${fallback}`));
const cfg = {
  images: num("images", 5000),
  val: num("val", 1000),
  epochs: num("epochs", 10),
  batch: num("batch", 32),
  size: num("size", 32),
  reps: num("reps", 3),
  fullReps: num("full-reps", 2),
};
const modes = ["head_only", "final_block", "full"] as const satisfies readonly FreezeMode[];
const allE2eModes = ["head_only", "final_block"] as const satisfies readonly FreezeMode[];
// --e2e head_only (or final_block, or none) runs only part of the end-to-end section
const e2eModes = allE2eModes.filter((m) => opt("e2e", allE2eModes.join(",")).split(",").includes(m));
const progress = (msg: string) => process.stderr.write(`[bench:train] ${msg}\n`);

interface StepTimes {
  /** inference forward, every layer in eval mode */
  inferenceMs: number;
  modes: Record<(typeof modes)[number], { forwardMs: number; stepMs: number }>;
}

async function agentSteps(): Promise<StepTimes> {
  const { batch, size } = cfg;
  const xs = tf.randomNormal([batch, size, size, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const ys = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    "int32",
  );
  const net = buildResNet({ arch: "resnet152", numClasses: 10, imageSize: size, seed: 1 });
  try {
    const forward = (training: boolean) => async () => {
      const y = tf.tidy(() => net.model.apply(xs, { training }) as tf.Tensor);
      await y.data();
      y.dispose();
    };
    progress("agent: inference forward");
    const inferenceMs = await timeIt(cfg.reps, forward(false));
    const out: Partial<StepTimes["modes"]> = {};
    for (const mode of modes) {
      const reps = mode === "full" ? cfg.fullReps : cfg.reps;
      applyFreeze(net, mode, "eval");
      progress(`agent: ${mode} forward and step (${reps} + 1 warm-up each)`);
      const forwardMs = await timeIt(reps, forward(true));
      const step = createTrainStep(net, { optimizer: "adam", lr: 1e-3, momentum: 0.9, weightDecay: 0 });
      try {
        out[mode] = { forwardMs, stepMs: await timeIt(reps, () => step.run(xs, ys).then(() => undefined)) };
      } finally {
        step.dispose();
      }
    }
    return { inferenceMs, modes: out as StepTimes["modes"] };
  } finally {
    disposeResNet(net);
    tf.dispose([xs, ys]);
  }
}

// ---- report ----------------------------------------------------------------------------------

const ips = (ms: number) => (cfg.batch * 1000) / ms;
const fmtIps = (ms: number | undefined) => (ms === undefined ? null : r1(ips(ms)));

async function main(): Promise<void> {
  const started = performance.now();
  const loadStart = os.loadavg().map((l) => +l.toFixed(2));
  if (loadStart[0]! > 0.5) {
    progress(`load average ${loadStart[0]} at start: a busy neighbour slows PyTorch's thread pool most; ratios drift`);
  }
  const backend = parseBackendName(opt("backend", "wasm"));
  const threadsFlag = opt("threads", "");
  const init = await initBackend(backend, threadsFlag ? { wasmThreads: Number(threadsFlag) } : {});
  if (init.threadsNote) progress(init.threadsNote);
  const tmp = await mkdtemp(join(os.tmpdir(), "ai623-bench-train-"));
  try {
    const probe = await probeTorch();
    const torch = "missing" in probe ? null : probe;
    if (!torch) progress(`PyTorch side skipped: ${"missing" in probe ? probe.missing : ""}`);

    const agent = await agentSteps();
    const torchSteps = torch ? await runTorchJob<StepTimes>(torch.python, { ...cfg, kind: "steps" }) : null;

    const cacheDir = join(tmp, "cache");
    const e2e: Record<string, { agent: AgentE2E; torch: E2E | null; timeRatio: number | null }> = {};
    for (const mode of e2eModes) {
      progress(`agent ${mode}: ${cfg.epochs} epochs on ${cfg.images} + ${cfg.val} images`);
      const a = await agentE2E({ ...cfg, mode, cacheDir, progress });
      const t = torch ? await runTorchJob<E2E>(torch.python, { ...cfg, kind: "e2e", mode }) : null;
      e2e[mode] = {
        agent: { ...a, wallS: r1(a.wallS) },
        torch: t ? { ...t, wallS: r1(t.wallS) } : null,
        timeRatio: ratio(a.wallS, t?.wallS),
      };
    }

    // table
    const threadsLine = `${backend} backend, ${init.threads} thread${init.threads === 1 ? "" : "s"}`;
    const torchLine = torch ? `PyTorch ${torch.version}, ${torch.threads} threads` : "PyTorch: not available";
    const lines: string[] = [];
    lines.push(
      `ResNet-152, ${cfg.size} px, batch ${cfg.batch}. Agent: ${threadsLine}. ${torchLine}. Median of ${cfg.reps} (full: ${cfg.fullReps}) after a warm-up.`,
    );
    lines.push("Forward = the mode's training-mode forward without gradients; ratios are agent ÷ PyTorch wall time.");
    lines.push(
      `${"".padEnd(12)}${pad("fwd img/s agent", 16)}${pad("torch", 8)}${pad("ratio", 8)}   ${pad("step img/s agent", 17)}${pad("torch", 8)}${pad("ratio", 8)}`,
    );
    const tInf = torchSteps?.inferenceMs;
    lines.push(
      `${"inference".padEnd(12)}${pad(fmtIps(agent.inferenceMs), 16)}${pad(fmtIps(tInf), 8)}${pad(ratio(agent.inferenceMs, tInf), 8)}`,
    );
    for (const mode of modes) {
      const a = agent.modes[mode];
      const t = torchSteps?.modes[mode];
      lines.push(
        `${mode.padEnd(12)}${pad(fmtIps(a.forwardMs), 16)}${pad(fmtIps(t?.forwardMs), 8)}${pad(ratio(a.forwardMs, t?.forwardMs), 8)}   ${pad(fmtIps(a.stepMs), 17)}${pad(fmtIps(t?.stepMs), 8)}${pad(ratio(a.stepMs, t?.stepMs), 8)}`,
      );
    }
    lines.push("");
    lines.push(
      `End to end: ${cfg.epochs} epochs on ${cfg.images} synthetic images + a ${cfg.val}-image validation pass per epoch, batch ${cfg.batch}.`,
    );
    lines.push(`${"".padEnd(12)}${pad("agent s", 9)}${pad("torch s", 9)}${pad("ratio", 8)}   prefix cache (agent)`);
    for (const mode of allE2eModes) {
      const row = e2e[mode];
      if (!row) continue;
      lines.push(
        `${mode.padEnd(12)}${pad(row.agent.wallS, 9)}${pad(row.torch?.wallS ?? null, 9)}${pad(row.timeRatio, 8)}   ${describePrefix(row.agent)}`,
      );
    }
    const fullStep = ratio(agent.modes.full.stepMs, torchSteps?.modes.full.stepMs);
    const targets = [
      { target: `${cfg.epochs}-epoch head_only`, limit: 0.5, value: e2e.head_only?.timeRatio ?? null },
      { target: `${cfg.epochs}-epoch final_block`, limit: 1.0, value: e2e.final_block?.timeRatio ?? null },
      { target: "one full step", limit: 3, value: fullStep },
    ].map((t) => ({ ...t, met: t.value === null ? null : t.value <= t.limit }));
    lines.push("");
    lines.push("Targets (issue 9, agent ÷ PyTorch wall time, same run):");
    for (const t of targets) {
      const verdict = t.met === null ? (torch ? "n/a (not run)" : "n/a (no PyTorch)") : t.met ? "MET" : "MISSED";
      lines.push(`  ${`${t.target} ≤ ${t.limit}`.padEnd(30)}${pad(t.value, 8)}  ${verdict}`);
    }
    console.log(lines.join("\n"));

    const stepJson = (s: StepTimes | null, mode: (typeof modes)[number]) =>
      s
        ? {
            forwardMs: Math.round(s.modes[mode].forwardMs),
            stepMs: Math.round(s.modes[mode].stepMs),
            forwardImagesPerSec: r1(ips(s.modes[mode].forwardMs)),
            stepImagesPerSec: r1(ips(s.modes[mode].stepMs)),
          }
        : null;
    console.log(
      JSON.stringify({
        bench: "train",
        arch: "resnet152",
        ...cfg,
        machine: {
          cpu: os.cpus()[0]?.model ?? "unknown",
          nproc: os.availableParallelism(),
          memGb: r1(os.totalmem() / 2 ** 30),
          loadavgStart: loadStart,
          loadavgEnd: os.loadavg().map((l) => +l.toFixed(2)),
        },
        backend,
        threads: init.threads,
        threadsNote: init.threadsNote ?? null,
        torch: torch ? { version: torch.version, torchvision: torch.torchvision, threads: torch.threads } : null,
        bnFrozen: "eval",
        e2eModes,
        inference: {
          agentMs: Math.round(agent.inferenceMs),
          torchMs: tInf === undefined ? null : Math.round(tInf),
          timeRatio: ratio(agent.inferenceMs, tInf),
        },
        steps: Object.fromEntries(
          modes.map((mode) => [
            mode,
            {
              agent: stepJson(agent, mode),
              torch: stepJson(torchSteps, mode),
              forwardTimeRatio: ratio(agent.modes[mode].forwardMs, torchSteps?.modes[mode].forwardMs),
              stepTimeRatio: ratio(agent.modes[mode].stepMs, torchSteps?.modes[mode].stepMs),
            },
          ]),
        ),
        e2e,
        targets,
        benchSeconds: Math.round((performance.now() - started) / 1000),
      }),
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
