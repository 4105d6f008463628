// Finding a CIFAR folder on disk: the official archives (downloaded, md5-checked and extracted into
// the cache), a `--data-dir` that names an extracted folder or an archive, or the synthetic twin.
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import * as tar from "tar";
import { AgentError } from "../errors";
import { downloadFile, type ProgressMode, verifyFile } from "../util/download";
import { type CifarFamily, type CifarLayout, layoutOf } from "./cifar-layout";

export interface ArchiveSource {
  url: string;
  md5: string;
  /** File name of the archive in the cache. */
  fileName: string;
  label: string;
}

/** The official binary releases (https://www.cs.toronto.edu/~kriz/cifar.html). */
export const officialArchives: Record<CifarFamily, ArchiveSource> = {
  cifar10: {
    url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    md5: "c32a1d4ab5d03f1284b67883e8d87530",
    fileName: "cifar-10-binary.tar.gz",
    label: "CIFAR-10 binary archive",
  },
  cifar100: {
    url: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
    md5: "03b5dce01913d631647c71ecec9e9cb8",
    fileName: "cifar-100-binary.tar.gz",
    label: "CIFAR-100 binary archive",
  },
};

export function datasetsDirOf(cacheDir: string): string {
  return join(cacheDir, "datasets");
}

async function kindOf(path: string): Promise<"file" | "dir" | null> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? "dir" : "file";
  } catch {
    return null;
  }
}

/**
 * Extracts `archive` so that `<targetParent>/<layout.dirName>` appears complete or not at all
 * (extract into a temporary folder, then rename).
 */
export async function extractCifarArchive(archive: string, targetParent: string, layout: CifarLayout): Promise<string> {
  const final = join(targetParent, layout.dirName);
  if ((await kindOf(final)) === "dir") return final;
  await mkdir(targetParent, { recursive: true });
  const tmp = join(targetParent, `.extract-${layout.dirName}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    await tar.x({ file: archive, cwd: tmp, strict: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new AgentError(
      "ARCHIVE_INVALID",
      `Could not extract ${archive} (${(err as Error).message}): the archive is damaged; delete it and retry.`,
    );
  }
  const extracted = join(tmp, layout.dirName);
  if ((await kindOf(extracted)) !== "dir") {
    const found = await readdir(tmp);
    await rm(tmp, { recursive: true, force: true });
    throw new AgentError(
      "ARCHIVE_INVALID",
      `${archive} does not contain a ${layout.dirName}/ folder (found: ${found.join(", ") || "nothing"}): ` +
        `it is not the ${layout.family === "cifar10" ? "CIFAR-10" : "CIFAR-100"} binary archive.`,
    );
  }
  await rename(extracted, final);
  await rm(tmp, { recursive: true, force: true });
  return final;
}

export interface ResolveFolderOptions {
  family: CifarFamily;
  cacheDir: string;
  /** `--data-dir`: the extracted folder, the folder holding it, or the .tar.gz archive. */
  dataDir?: string;
  /** Where to fetch the official archive; tests point this at a local server. */
  source?: ArchiveSource;
  /** Whether an archive given as `dataDir` must carry the official md5 (real datasets: yes). */
  checkArchiveMd5: boolean;
  progress?: ProgressMode;
  log?: (message: string) => void;
}

/** A folder the user named: the extracted folder itself, or its parent. */
async function resolveGivenFolder(dir: string, layout: CifarLayout): Promise<string> {
  if ((await kindOf(join(dir, layout.trainFiles[0]!))) === "file") return dir;
  if ((await kindOf(join(dir, layout.dirName, layout.trainFiles[0]!))) === "file") return join(dir, layout.dirName);
  throw new AgentError(
    "DATA_DIR_INVALID",
    `--data-dir ${dir} holds neither ${layout.trainFiles[0]} nor ${layout.dirName}/: pass the extracted ` +
      `${layout.dirName} folder, the folder containing it, or the .tar.gz archive.`,
  );
}

/** Extracts an archive the user named, after checking it is the official one when required. */
async function resolveGivenArchive(path: string, opt: ResolveFolderOptions, layout: CifarLayout): Promise<string> {
  const source = opt.source ?? officialArchives[opt.family];
  const datasets = datasetsDirOf(opt.cacheDir);
  if (opt.checkArchiveMd5) {
    const digest = await verifyFile(path, { md5: source.md5 }, source.label).catch((err: unknown) => {
      if (err instanceof AgentError && err.code === "CHECKSUM_MISMATCH") {
        throw new AgentError(
          "CHECKSUM_MISMATCH",
          `--data-dir ${path} is not the official ${source.fileName} (md5 expected ${source.md5}): the file is damaged ` +
            "or a different archive; download it again.",
        );
      }
      throw err;
    });
    return extractCifarArchive(
      path,
      digest.md5 === officialArchives[opt.family].md5 ? datasets : join(datasets, `archive-${digest.md5.slice(0, 12)}`),
      layout,
    );
  }
  // An archive of our own (e.g. a synthetic twin): keyed by name and size, extracted once.
  const size = (await stat(path)).size;
  return extractCifarArchive(path, join(datasets, `archive-${basename(path)}-${size}`), layout);
}

/** The extracted folder for a real CIFAR dataset, downloading the archive if needed. */
export async function resolveCifarFolder(opt: ResolveFolderOptions): Promise<string> {
  const layout = layoutOf(opt.family);
  if (opt.dataDir) {
    const kind = await kindOf(opt.dataDir);
    if (kind === "dir") return resolveGivenFolder(opt.dataDir, layout);
    if (kind === "file") return resolveGivenArchive(opt.dataDir, opt, layout);
    throw new AgentError(
      "DATA_DIR_INVALID",
      `--data-dir ${opt.dataDir} does not exist: pass the extracted ${layout.dirName} folder or the archive.`,
    );
  }
  const datasets = datasetsDirOf(opt.cacheDir);
  const cached = join(datasets, layout.dirName);
  if ((await kindOf(cached)) === "dir") return cached;
  const source = opt.source ?? officialArchives[opt.family];
  const archive = join(datasets, source.fileName);
  try {
    await downloadFile({
      url: source.url,
      dest: archive,
      expected: { md5: source.md5 },
      label: source.label,
      ...(opt.progress ? { progress: opt.progress } : {}),
      ...(opt.log ? { log: opt.log } : {}),
    });
  } catch (err) {
    if (err instanceof AgentError && err.code === "DOWNLOAD_FAILED") {
      throw new AgentError(
        "DOWNLOAD_FAILED",
        `${err.message} Alternatively pass --data-dir with the archive or its extracted ${layout.dirName} folder.`,
      );
    }
    throw err;
  }
  return extractCifarArchive(archive, datasets, layout);
}
