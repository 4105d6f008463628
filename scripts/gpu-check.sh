#!/usr/bin/env bash
# The agent on a lent GPU machine (issue 13): `doctor`, webgpu parity with torchvision and bench:gpu,
# in under 8 minutes, on a machine with a GPU, PyTorch and a Vulkan-capable NVIDIA driver but no Node
# and no network. Two halves:
#
#   scripts/gpu-check.sh bundle   here (Node, npm ci done, apt): builds .gpu-bundle/ (git-ignored):
#                                 Node, the bundled agent scripts, the runtime node_modules they load
#                                 (dawn.node included), the Vulkan loader .debs. Fails over 64 MiB.
#   scripts/gpu-check.sh run [--swiftshader] [--tiny]
#                                 there, from the repository root with .gpu-bundle carried: unpacks
#                                 Node, installs the loader if the machine lacks it, points Vulkan at
#                                 the NVIDIA driver, runs the three parts and writes their logs to $OUT
#                                 (else /tmp/ai623-gpu-check/logs). --swiftshader uses SwiftShader
#                                 (Debian's chromium) instead of NVIDIA and --tiny tiny sizes: the local
#                                 proof on a machine without a GPU. Exits 1 when a part fails.
#
# With the device tool: run(command="bash scripts/gpu-check.sh run", carry=[".gpu-bundle"], timeout_s=600).
# Time limits per part (seconds): GPU_CHECK_DOCTOR_S (60), GPU_CHECK_PARITY_S (120), GPU_CHECK_BENCH_S (270).
# Extra bench:gpu flags: GPU_CHECK_BENCH_ARGS (e.g. "--sizes 224 --modes full").
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="${GPU_BUNDLE_DIR:-$root/.gpu-bundle}"

say() { printf '[gpu-check] %s\n' "$*" >&2; }

bundle_half() {
  command -v node >/dev/null || { say "bundle needs Node (this half runs where the repository is built)"; exit 2; }
  [ -d "$root/node_modules/@tensorflow/tfjs-backend-webgpu" ] || { say "run npm ci first"; exit 2; }
  mkdir -p "$bundle/debs"
  if ! ls "$bundle"/debs/libvulkan1_*.deb >/dev/null 2>&1; then
    # The device image may lack the Vulkan loader and GL dispatch libraries the NVIDIA ICD needs:
    # amd64 packages from this machine's apt sources, kept apart from the system's own lists.
    say "downloading the Vulkan loader packages (apt-get download, amd64)"
    local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/ai623-apt-amd64)
    mkdir -p /tmp/ai623-apt-amd64/partial
    apt-get "${o[@]}" -qq update
    (cd "$bundle/debs" && apt-get "${o[@]}" -qq download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  fi
  node "$root/scripts/gpu-bundle.mjs" "$bundle"
}

# ---- run: everything below needs bash, coreutils, tar (xz or python3), dpkg and ldconfig ------------

swiftshader=0
tiny=0

unpack() {
  local work="$1"
  rm -rf "$work/app" "$work/node"
  mkdir -p "$work"
  if command -v xz >/dev/null; then
    tar -C "$work" -xJf "$bundle/payload.tar.xz"
  else
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$bundle/payload.tar.xz" "$work"
  fi
  chmod +x "$work/node"
}

setup_vulkan() {
  if [ "$swiftshader" = 1 ]; then
    local icd
    icd="$( (dpkg -L chromium-common chromium 2>/dev/null || true) | grep 'vk_swiftshader_icd.json$' | head -1)"
    [ -n "$icd" ] || icd=/usr/lib/chromium/vk_swiftshader_icd.json
    [ -f "$icd" ] || { say "no SwiftShader ICD ($icd): apt-get install chromium"; exit 2; }
    export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"
    return
  fi
  if ! ldconfig -p | grep -q 'libvulkan\.so\.1 ' || ! ldconfig -p | grep -q 'libGLdispatch\.so\.0 '; then
    say "installing the Vulkan loader and GL dispatch libraries from the bundle"
    for f in "$bundle"/debs/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  local icd=""
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then icd="$f" && break; fi
  done
  [ -n "$icd" ] || { say "no nvidia_icd.json: the NVIDIA driver's Vulkan part is missing (NVIDIA_DRIVER_CAPABILITIES needs graphics)"; exit 2; }
  export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"
  local egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  if [ -f "$egl" ]; then export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"; fi
}

# part NAME LIMIT_S COMMAND...: runs one part with a time limit, its output in $logs/NAME.log
declare -a summary=()
failed=0
part() {
  local name="$1" limit="$2"
  shift 2
  local t0 rc
  t0=$(date +%s)
  say "$name (limit ${limit} s)"
  set +e
  timeout --kill-after=10 "$limit" "$@" >"$logs/$name.log" 2>&1
  rc=$?
  set -e
  local took=$(($(date +%s) - t0))
  local verdict="ok"
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then verdict="TIMED OUT"; elif [ "$rc" != 0 ]; then verdict="FAILED (exit $rc)"; fi
  if [ "$verdict" != ok ]; then failed=1; fi
  summary+=("$(printf '%-8s %-18s %4d s' "$name" "$verdict" "$took")")
  tail -n 40 "$logs/$name.log" >&2
}

run_half() {
  for a in "$@"; do
    case "$a" in
      --swiftshader) swiftshader=1 ;;
      --tiny) tiny=1 ;;
      *) say "unknown option $a (run [--swiftshader] [--tiny])"; exit 2 ;;
    esac
  done
  [ -f "$bundle/payload.tar.xz" ] || { say "no $bundle/payload.tar.xz: run 'scripts/gpu-check.sh bundle' here and carry .gpu-bundle"; exit 2; }
  local started work
  started=$(date +%s)
  work="${GPU_CHECK_WORK:-/tmp/ai623-gpu-check}"
  logs="${OUT:-$work/logs}"
  mkdir -p "$logs"
  unpack "$work"
  setup_vulkan
  local node="$work/node" app="$work/app"
  {
    echo "bundle: $(tr -d '\n' <"$bundle/MANIFEST.json")"
    echo "node: $("$node" --version)"
    echo "VK_ICD_FILENAMES=$VK_ICD_FILENAMES"
    if command -v nvidia-smi >/dev/null; then
      nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
    else
      echo "nvidia-smi: not installed"
    fi
    ldconfig -p | grep -E 'libvulkan|libGLX_nvidia|libGLdispatch' || true
    python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 || true
  } >"$logs/env.txt" 2>&1
  cat "$logs/env.txt" >&2

  local bench_args=()
  local parity_args=()
  if [ "$tiny" = 1 ]; then
    bench_args=(--arch tiny --sizes 32 --batches 4 --reps 2 --e2e-epochs 2 --e2e-images 32 --e2e-val 16)
    parity_args=(--tiny-only)
  fi
  # shellcheck disable=SC2206 # word splitting is the point: a list of flags
  bench_args+=(${GPU_CHECK_BENCH_ARGS:-})
  part doctor "${GPU_CHECK_DOCTOR_S:-60}" "$node" "$app/cli.js" doctor --cache-dir "$work/cache"
  part parity "${GPU_CHECK_PARITY_S:-120}" "$node" "$app/gpu-parity.js" --backend webgpu "${parity_args[@]}"
  # bench:gpu skips what is left a minute before its limit, so its report still prints
  local bench_s="${GPU_CHECK_BENCH_S:-270}"
  part bench "$bench_s" "$node" "$app/bench-gpu.js" --backend webgpu --budget-s $((bench_s - 60)) "${bench_args[@]}"

  {
    echo "gpu-check: $( [ "$swiftshader" = 1 ] && echo SwiftShader || echo NVIDIA)$( [ "$tiny" = 1 ] && echo ", tiny sizes")"
    printf '%s\n' "${summary[@]}"
    echo "total    $(($(date +%s) - started)) s"
    grep -E 'backend webgpu' "$logs/doctor.log" || true
    grep -E '^PARITY' "$logs/parity.log" || true
    sed -n '/^Targets/,/^{/p' "$logs/bench.log" | grep -v '^{' || true
  } | tee "$logs/summary.txt" >&2
  exit "$failed"
}

case "${1:-}" in
  bundle) bundle_half ;;
  run)
    shift
    run_half "$@"
    ;;
  *)
    say "usage: scripts/gpu-check.sh bundle | run [--swiftshader] [--tiny]"
    exit 2
    ;;
esac
