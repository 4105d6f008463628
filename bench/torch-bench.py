"""The PyTorch side of bench:train and bench:gpu: the anchor each ratio divides by, measured in the same run.

  python3 torch-bench.py '{"kind": "probe" | "steps" | "e2e" | "train_step", ...}'

Prints one line `AI623_BENCH {json}` on stdout; progress goes to stderr. The job's fields:
  device      "cpu" (default) or "cuda" (only where torch.cuda.is_available(); probe says)
  batch, size the batch and the image side; reps: timed calls after one warm-up
  blocks, widths  a smaller ResNet with torchvision's code path (as the agent's AI623_TEST_OVERRIDES),
              else torchvision's resnet152
  classes     fc outputs (10)
On CUDA the maths is fp32: TF32 is off for matmuls and cuDNN convolutions (PyTorch turns it on for
convolutions by default), cuDNN autotuning is left at its default (off).
"""
import json
import os
import resource
import sys
import time

import torch
import torchvision
from torchvision.models.resnet import Bottleneck, ResNet

job = json.loads(sys.argv[1])
DEV = torch.device(job.get("device", "cpu"))
CUDA = DEV.type == "cuda"
B, S = job.get("batch", 32), job.get("size", 32)
CLASSES = job.get("classes", 10)
torch.set_num_threads(os.cpu_count())
if CUDA:
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def log(msg):
    print("[bench] torch " + msg, file=sys.stderr, flush=True)


def sync():
    if CUDA:
        torch.cuda.synchronize()


class SmallResNet(ResNet):
    """torchvision's ResNet and Bottleneck code path with the agent's blocks/widths overrides."""

    def __init__(self, blocks, widths, num_classes):
        self._widths = dict(zip((64, 128, 256, 512), widths))
        super().__init__(Bottleneck, blocks, num_classes=num_classes)
        self.conv1 = torch.nn.Conv2d(3, widths[0], kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(widths[0])
        self.fc = torch.nn.Linear(widths[3] * Bottleneck.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        if planes == 64:
            self.inplanes = self._widths[64]  # the stem's width, set before the first stage is built
        return super()._make_layer(block, self._widths[planes], blocks, stride, dilate)


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
    if job.get("blocks"):
        m = SmallResNet(job["blocks"], job["widths"], CLASSES)
    else:
        m = torchvision.models.resnet152(weights=None, num_classes=CLASSES)
    apply_freeze(m, mode)
    return m.to(DEV)


def adam(m):
    return torch.optim.Adam([p for p in m.parameters() if p.requires_grad], lr=1e-3)


def time_it(reps, fn):
    fn()
    walls = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        sync()
        walls.append(time.perf_counter() - t0)
    return sorted(walls)[len(walls) // 2] * 1000


crit = torch.nn.CrossEntropyLoss()


def train_step(m, opt, x, y):
    opt.zero_grad(set_to_none=True)
    logits = m(x)
    loss = crit(logits, y)
    loss.backward()
    opt.step()
    loss.item()
    (logits.argmax(1) == y).float().mean().item()


def steps():
    """bench:train: per freeze mode, the mode's training-mode forward and a step, plus an inference forward."""
    torch.manual_seed(1)
    x = torch.randn(B, 3, S, S, device=DEV)
    y = torch.arange(B, device=DEV) % CLASSES
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
        forward_ms = time_it(reps, infer)
        opt = adam(m)
        out["modes"][mode] = {"forwardMs": forward_ms, "stepMs": time_it(reps, lambda: train_step(m, opt, x, y))}
    return out


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def one_train_step():
    """bench:gpu: one freeze mode's step, timed (median after a warm-up), and its memory.

    CUDA: max_memory_allocated over the timed steps against memory_allocated before them (weights,
    Adam's moments). CPU: max RSS against the RSS before the first step, so one process per point.
    """
    mode = job["mode"]
    torch.manual_seed(1)
    x = torch.randn(B, 3, S, S, device=DEV)
    y = torch.arange(B, device=DEV) % CLASSES
    m = build(mode)
    set_train(m, mode)
    opt = adam(m)
    before_cpu = rss_mb()
    train_step(m, opt, x, y)  # warm-up: allocates Adam's moments and the allocator's pools
    sync()
    if CUDA:
        opt.zero_grad(set_to_none=True)
        resident = torch.cuda.memory_allocated() / 2**20
        torch.cuda.reset_peak_memory_stats()
    log("%s %d px batch %d: %d timed steps" % (mode, S, B, job["reps"]))
    walls = []
    for _ in range(job["reps"]):
        t0 = time.perf_counter()
        train_step(m, opt, x, y)
        sync()
        walls.append(time.perf_counter() - t0)
    if CUDA:
        peak, source = torch.cuda.max_memory_allocated() / 2**20, "torch.cuda.max_memory_allocated"
    else:
        resident = before_cpu
        peak, source = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "max RSS"
    return {"stepMs": sorted(walls)[len(walls) // 2] * 1000, "peakMb": peak, "residentMb": resident, "memorySource": source}


def e2e(mode):
    """A plain loop like the study's: tensors in memory, a shuffle per epoch, Adam, a validation pass per epoch."""
    g = torch.Generator().manual_seed(3)
    n, nv = job["images"], job["val"]
    xs, ys = torch.randn(n, 3, S, S, generator=g).to(DEV), torch.randint(0, CLASSES, (n,), generator=g).to(DEV)
    vx, vy = torch.randn(nv, 3, S, S, generator=g).to(DEV), torch.randint(0, CLASSES, (nv,), generator=g).to(DEV)
    sync()
    t0 = time.perf_counter()
    torch.manual_seed(7)
    m = build(mode)
    opt = adam(m)
    epoch_s, val_acc = [], 0.0
    for epoch in range(1, job["epochs"] + 1):
        te = time.perf_counter()
        set_train(m, mode)
        perm = torch.randperm(n, generator=g).to(DEV)
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
    res = {"version": torch.__version__, "torchvision": torchvision.__version__, "threads": torch.get_num_threads(),
           "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
elif job["kind"] == "steps":
    res = steps()
elif job["kind"] == "train_step":
    res = one_train_step()
else:
    res = e2e(job["mode"])
print("AI623_BENCH " + json.dumps(res), flush=True)
