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
// PyTorch runs in a child /usr/bin/python3 (or AI623_PYTHON / --python) with
// torch.set_num_threads(os.cpu_count()); without torch+torchvision the agent side runs alone.
// Ratios are agent ÷ PyTorch wall time (> 1: the agent is slower), the anchor being PyTorch measured
// in the same run. Targets (issue 9): 10-epoch head_only ≤ 0.5, 10-epoch final_block ≤ 1.0, one full
// step ≤ 3. Prints a table, the targets with MET/MISSED, then one JSON line. Progress goes to stderr.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { type FreezeMode, parseRunConfig } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { initBackend, parseBackendName } from "../agent/src/backend/init";
import { prepareRunData } from "../agent/src/data/run-data";
import { applyFreeze } from "../agent/src/model/freeze";
import { buildResNet, disposeResNet } from "../agent/src/model/resnet";
import { trainRun } from "../agent/src/train/train-run";
import { createTrainStep } from "../agent/src/train/train-step";
import { opt, timeIt } from "./bench-util";

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
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

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

interface E2E {
  wallS: number;
  epochSeconds: number[];
  finalValAcc: number;
}
interface AgentE2E extends E2E {
  prefixCached: boolean;
  prefixReason: string | null;
  cacheBuildS: number | null;
}

async function agentE2E(mode: FreezeMode, cacheDir: string): Promise<AgentE2E> {
  const config = parseRunConfig({
    arch: "resnet152",
    dataset: "synthetic-cifar10",
    init: "random",
    freezeMode: mode,
    bnFrozen: "eval",
    augment: false,
    epochs: cfg.epochs,
    batchSize: cfg.batch,
    imageSize: cfg.size,
    lr: 1e-3,
    optimizer: "adam",
    seed: 7,
  });
  const overrides = { synthetic: { train: cfg.images, test: cfg.val, seed: 3 } };
  // Generated (or found) before the clock starts: PyTorch's tensors are in memory too.
  await prepareRunData(config, { cacheDir, load: { synthetic: overrides.synthetic } });
  let prefix: { cached: boolean; reason: string | null } = { cached: false, reason: null };
  let cacheBuildS: number | null = null;
  const t0 = performance.now();
  const r = await trainRun({
    runId: `00000000-0000-4000-8000-00000000000${mode === "head_only" ? 1 : 2}`,
    config,
    cacheDir,
    overrides,
    checkpointEvery: 0,
    onReady: (info) => {
      prefix = info.prefixCache;
    },
    onEpoch: (m) => {
      progress(`agent ${mode}: epoch ${m.epoch}/${cfg.epochs} ${m.epochSeconds.toFixed(1)} s`);
    },
    log: (msg) => {
      const built = /^Prefix cache built in ([\d.]+) s/.exec(msg);
      if (built) cacheBuildS = Number(built[1]);
      progress(`agent ${mode}: ${msg}`);
    },
  });
  const wallS = (performance.now() - t0) / 1000;
  if (r.outcome !== "completed") throw new Error(`agent ${mode} run ended ${r.outcome} (${r.stopReason})`);
  return {
    wallS,
    epochSeconds: r.history.map((m) => r1(m.epochSeconds)),
    finalValAcc: r3(r.history.at(-1)!.valAcc),
    prefixCached: prefix.cached,
    prefixReason: prefix.reason,
    cacheBuildS,
  };
}

// ---- PyTorch side: one script, run per job in a child process --------------------------------

const torchScript = `
import json, os, sys, time
import torch, torchvision

torch.set_num_threads(os.cpu_count())
job = json.loads(sys.argv[1])
B, S = job["batch"], job["size"]

def log(msg):
    print("[bench:train] torch " + msg, file=sys.stderr, flush=True)

def trainable(name, mode):
    # the agent's freeze rule (agent/src/model/freeze.ts), on torchvision names
    return mode == "full" or name == "fc" or name.startswith("fc.") or (mode == "final_block" and name.startswith("layer4."))

def apply_freeze(m, mode):
    for name, p in m.named_parameters():
        p.requires_grad = trainable(name, mode)

def set_train(m, mode):
    # model.train(), then frozen BatchNorm on running statistics (the agent's bnFrozen "eval")
    m.train()
    for name, mod in m.named_modules():
        if isinstance(mod, torch.nn.BatchNorm2d) and not trainable(name, mode):
            mod.eval()

def build(mode):
    m = torchvision.models.resnet152(weights=None, num_classes=10)
    apply_freeze(m, mode)
    return m

def adam(m):
    return torch.optim.Adam([p for p in m.parameters() if p.requires_grad], lr=1e-3)

def time_it(reps, fn):
    fn()
    walls = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
    return sorted(walls)[len(walls) // 2] * 1000

crit = torch.nn.CrossEntropyLoss()

def steps():
    torch.manual_seed(1)
    x = torch.randn(B, 3, S, S)
    y = torch.arange(B) % 10
    m = build("full")
    m.eval()
    def infer():
        with torch.no_grad():
            m(x).sum().item()
    log("inference forward")
    out = {"inferenceMs": time_it(job["reps"], infer), "modes": {}}
    for mode in ["head_only", "final_block", "full"]:
        reps = job["fullReps"] if mode == "full" else job["reps"]
        log(mode + " forward and step")
        apply_freeze(m, mode)
        set_train(m, mode)
        def fwd():
            with torch.no_grad():
                m(x).sum().item()
        forward_ms = time_it(reps, fwd)
        opt = adam(m)
        def step():
            opt.zero_grad(set_to_none=True)
            logits = m(x)
            loss = crit(logits, y)
            loss.backward()
            opt.step()
            loss.item()
            (logits.argmax(1) == y).float().mean().item()
        out["modes"][mode] = {"forwardMs": forward_ms, "stepMs": time_it(reps, step)}
    return out

def e2e(mode):
    g = torch.Generator().manual_seed(3)
    n, nv = job["images"], job["val"]
    xs, ys = torch.randn(n, 3, S, S, generator=g), torch.randint(0, 10, (n,), generator=g)
    vx, vy = torch.randn(nv, 3, S, S, generator=g), torch.randint(0, 10, (nv,), generator=g)
    t0 = time.perf_counter()
    torch.manual_seed(7)
    m = build(mode)
    opt = adam(m)
    epoch_s, val_acc = [], 0.0
    for epoch in range(1, job["epochs"] + 1):
        te = time.perf_counter()
        set_train(m, mode)
        perm = torch.randperm(n, generator=g)
        seen, loss_sum, hits = 0, 0.0, 0
        for i in range(0, n, B):
            idx = perm[i:i + B]
            x, y = xs[idx], ys[idx]
            opt.zero_grad(set_to_none=True)
            logits = m(x)
            loss = crit(logits, y)
            loss.backward()
            opt.step()
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            hits += (logits.argmax(1) == y).sum().item()
        m.eval()
        right = 0
        with torch.no_grad():
            for i in range(0, nv, B):
                right += (m(vx[i:i + B]).argmax(1) == vy[i:i + B]).sum().item()
        val_acc = right / nv
        epoch_s.append(time.perf_counter() - te)
        log("%s: epoch %d/%d %.1f s" % (mode, epoch, job["epochs"], epoch_s[-1]))
    return {"wallS": time.perf_counter() - t0, "epochSeconds": [round(s, 1) for s in epoch_s], "finalValAcc": round(val_acc, 3)}

if job["kind"] == "probe":
    res = {"version": torch.__version__, "torchvision": torchvision.__version__, "threads": torch.get_num_threads()}
elif job["kind"] == "steps":
    res = steps()
else:
    res = e2e(job["mode"])
print("AI623_BENCH " + json.dumps(res), flush=True)
`;

interface TorchInfo {
  version: string;
  torchvision: string;
  threads: number;
  python: string;
}

function runPython(python: string, script: string, job: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script, JSON.stringify({ ...cfg, ...job })], {
      stdio: ["ignore", "pipe", job.kind === "probe" ? "pipe" : "inherit"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("AI623_BENCH "));
      if (code === 0 && line) resolve(JSON.parse(line.slice("AI623_BENCH ".length)));
      else reject(new Error(`${python} (${job.kind}) exited ${code}:\n${stdout}${stderr}`));
    });
  });
}

async function probeTorch(script: string): Promise<TorchInfo | { missing: string }> {
  // as the parity test (agent/src/model/parity.test.ts): Debian's python3-torch lives in /usr/bin/python3
  const { AI623_PYTHON } = process.env;
  const candidates = [opt("python", ""), AI623_PYTHON ?? "", "/usr/bin/python3", "python3"].filter(Boolean);
  const errors: string[] = [];
  for (const python of [...new Set(candidates)]) {
    try {
      return { ...((await runPython(python, script, { kind: "probe" })) as Omit<TorchInfo, "python">), python };
    } catch (e) {
      errors.push(`${python}: ${(e as Error).message.split("\n").filter(Boolean).at(-1)}`);
    }
  }
  return { missing: `no python3 with torch and torchvision (${errors.join("; ")})` };
}

// ---- report ----------------------------------------------------------------------------------

const ips = (ms: number) => (cfg.batch * 1000) / ms;
const ratio = (agent: number, torch: number | undefined) => (torch ? r3(agent / torch) : null);
const pad = (s: string | number | null, w: number) => `${s ?? "—"}`.padStart(w);
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
    const script = join(tmp, "torch_bench.py");
    await writeFile(script, torchScript);
    const probe = await probeTorch(script);
    const torch = "missing" in probe ? null : probe;
    if (!torch) progress(`PyTorch side skipped: ${"missing" in probe ? probe.missing : ""}`);

    const agent = await agentSteps();
    const torchSteps = torch ? ((await runPython(torch.python, script, { kind: "steps" })) as StepTimes) : null;

    const cacheDir = join(tmp, "cache");
    const e2e: Record<string, { agent: AgentE2E; torch: E2E | null; timeRatio: number | null }> = {};
    for (const mode of e2eModes) {
      progress(`agent ${mode}: ${cfg.epochs} epochs on ${cfg.images} + ${cfg.val} images`);
      const a = await agentE2E(mode, cacheDir);
      const t = torch ? ((await runPython(torch.python, script, { kind: "e2e", mode })) as E2E) : null;
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
      const cache = row.agent.prefixCached
        ? `cached${row.agent.cacheBuildS !== null ? `, built in ${row.agent.cacheBuildS.toFixed(1)} s` : ""}`
        : `not cached: ${row.agent.prefixReason}`;
      lines.push(
        `${mode.padEnd(12)}${pad(row.agent.wallS, 9)}${pad(row.torch?.wallS ?? null, 9)}${pad(row.timeRatio, 8)}   ${cache}`,
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
