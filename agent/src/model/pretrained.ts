// torchvision's ImageNet ResNet-152 weights, as the safetensors files timm republishes under the
// same state_dict names. Downloaded resumably into the cache, verified, reused; or given by path.
import { open } from "node:fs/promises";
import { join } from "node:path";
import { type PretrainedWeights, resnetDepths } from "@ai623/shared";
import { AgentError } from "../errors";
import { downloadFile, hashFile, type ProgressMode } from "../util/download";

interface WeightsSource {
  repo: string;
  /** sha256 of model.safetensors when known in advance */
  sha256?: string;
  top1: string;
}

export const pretrainedSources: Record<PretrainedWeights, WeightsSource> = {
  imagenet1k_v1: {
    repo: "timm/resnet152.tv_in1k",
    sha256: "15897077afdf4d6334dc0c3f8e6fb483afb3faa9298c139f3c6eb29bca6ae5b2",
    top1: "78.3 %",
  },
  // The study's torchvision DEFAULT. No published hash: the size and the exact tensor set are
  // checked instead and the hash seen is returned, to be recorded with the run.
  imagenet1k_v2: { repo: "timm/resnet152.tv2_in1k", top1: "82.3 %" },
};

export const defaultHubEndpoint = "https://huggingface.co";

export const pretrainedUrl = (w: PretrainedWeights, endpoint = defaultHubEndpoint) =>
  `${endpoint.replace(/\/+$/, "")}/${pretrainedSources[w].repo}/resolve/main/model.safetensors`;

/** torchvision resnet state_dict (without num_batches_tracked): key → PyTorch shape. */
export function torchvisionShapes(blocks: readonly number[], numClasses: number): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const bn = (name: string, c: number) => {
    for (const k of ["weight", "bias", "running_mean", "running_var"]) m.set(`${name}.${k}`, [c]);
  };
  m.set("conv1.weight", [64, 3, 7, 7]);
  bn("bn1", 64);
  let inC = 64;
  blocks.forEach((count, s) => {
    const w = 64 * 2 ** s;
    for (let b = 0; b < count; b++) {
      const n = `layer${s + 1}.${b}`;
      m.set(`${n}.conv1.weight`, [w, inC, 1, 1]);
      bn(`${n}.bn1`, w);
      m.set(`${n}.conv2.weight`, [w, w, 3, 3]);
      bn(`${n}.bn2`, w);
      m.set(`${n}.conv3.weight`, [4 * w, w, 1, 1]);
      bn(`${n}.bn3`, 4 * w);
      if (b === 0) {
        m.set(`${n}.downsample.0.weight`, [4 * w, inC, 1, 1]);
        bn(`${n}.downsample.1`, 4 * w);
      }
      inC = 4 * w;
    }
  });
  m.set("fc.weight", [numClasses, inC]);
  m.set("fc.bias", [numClasses]);
  return m;
}

/** Reads only the JSON header of a safetensors file: name → {dtype, shape}. */
type HeaderEntry = { dtype: string; shape: number[]; data_offsets: [number, number] };
export async function readSafetensorsHeader(
  path: string,
): Promise<{ entries: Record<string, HeaderEntry>; complete: boolean }> {
  const f = await open(path, "r");
  try {
    const len = Buffer.alloc(8);
    await f.read(len, 0, 8, 0);
    const n = Number(len.readBigUInt64LE(0));
    const header = Buffer.alloc(Math.min(n, 100 * 2 ** 20));
    const { bytesRead } = await f.read(header, 0, header.length, 8);
    let entries: Record<string, HeaderEntry>;
    try {
      if (bytesRead !== n) throw new Error(`header of ${n} bytes, ${bytesRead} present`);
      entries = JSON.parse(header.toString("utf8")) as Record<string, HeaderEntry>;
    } catch (e) {
      throw new AgentError(
        "BAD_SAFETENSORS",
        `${path} is truncated or not a safetensors file (${(e as Error).message}): delete it and retry.`,
      );
    }
    delete entries.__metadata__;
    // Size check: the data section must end exactly where the last tensor does.
    const dataEnd = Math.max(0, ...Object.values(entries).map((e) => e.data_offsets[1]));
    const complete = (await f.stat()).size === 8 + n + dataEnd;
    return { entries, complete };
  } finally {
    await f.close();
  }
}

/** Checks a file holds exactly ImageNet ResNet-152 (1000 classes), F32, torchvision names. */
export async function checkImagenetResnet152(path: string): Promise<void> {
  const expected = torchvisionShapes(resnetDepths.resnet152, 1000);
  const { entries: header, complete } = await readSafetensorsHeader(path);
  if (!complete) {
    throw new AgentError(
      "WEIGHTS_MISMATCH",
      `${path} is truncated or padded (its size disagrees with its header): delete it and retry.`,
    );
  }
  const keys = Object.keys(header).filter((k) => !k.endsWith(".num_batches_tracked"));
  const missing = [...expected.keys()].filter((k) => !(k in header));
  const unexpected = keys.filter((k) => !expected.has(k));
  const wrong = keys.filter(
    (k) => expected.has(k) && (header[k]!.dtype !== "F32" || header[k]!.shape.join() !== expected.get(k)!.join()),
  );
  if (missing.length + unexpected.length + wrong.length > 0) {
    throw new AgentError(
      "WEIGHTS_MISMATCH",
      `${path} is not torchvision's ImageNet ResNet-152 (missing: ${missing.slice(0, 5).join(", ") || "none"}; unexpected: ${unexpected.slice(0, 5).join(", ") || "none"}; wrong dtype/shape: ${wrong.slice(0, 5).join(", ") || "none"}): delete it and retry.`,
    );
  }
}

export interface PretrainedFile {
  path: string;
  sha256: string;
  source: string;
}

export interface PretrainedOptions {
  weights: PretrainedWeights;
  cacheDir: string;
  /** `--weights PATH`: use this file instead of the cache (checked the same way) */
  weightsPath?: string;
  /** a Hugging Face mirror (the HF_ENDPOINT convention); defaults to huggingface.co */
  endpoint?: string;
  progress?: ProgressMode;
  log?: (message: string) => void;
}

/**
 * The verified ImageNet file: `weightsPath` if given, else `<cacheDir>/weights/<repo>/model.safetensors`,
 * downloaded on first use. Offline, the error says which URL to fetch and where to put the file.
 */
export async function ensurePretrainedWeights(opt: PretrainedOptions): Promise<PretrainedFile> {
  const src = pretrainedSources[opt.weights];
  const url = pretrainedUrl(opt.weights, opt.endpoint ?? process.env.HF_ENDPOINT);
  let path = opt.weightsPath;
  let sha256: string;
  if (path) {
    sha256 = (
      await hashFile(path).catch((e: Error) => {
        throw new AgentError("WEIGHTS_UNREADABLE", `Cannot read --weights ${path}: ${e.message}`);
      })
    ).sha256;
    if (src.sha256 && sha256 !== src.sha256) {
      throw new AgentError(
        "CHECKSUM_MISMATCH",
        `${path} has sha256 ${sha256}, but ${src.repo} is ${src.sha256}: pass the right file or drop --weights.`,
      );
    }
  } else {
    path = join(opt.cacheDir, "weights", src.repo.replace("/", "--"), "model.safetensors");
    const got = await downloadFile({
      url,
      dest: path,
      expected: src.sha256 ? { sha256: src.sha256 } : {},
      label: `ResNet-152 ImageNet weights (${opt.weights}, ${src.top1} top-1)`,
      ...(opt.progress ? { progress: opt.progress } : {}),
      ...(opt.log ? { log: opt.log } : {}),
    });
    sha256 = got.sha256;
  }
  await checkImagenetResnet152(path);
  return { path, sha256, source: src.repo };
}
