import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentError } from "../errors";
import { deriveSeed } from "../util/rng";
import type { ArchiveSource } from "./archive";
import { loadCifar } from "./load-dataset";
import { generateSyntheticSplit, writeSyntheticDataset } from "./synthetic";

let root: string;
let archive: Buffer;
let damaged: Buffer;
let md5: string;
let server: Server;
let baseUrl: string;
const served: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "ai623-archive-"));
  // A real .tar.gz in the official layout, built from synthetic files with the same tar library.
  const src = join(root, "src");
  await writeSyntheticDataset(src, { family: "cifar10", train: 20, test: 10, seed: 9 });
  // The manifest stays in: it carries the small record counts, so the real-dataset path can load it.
  const file = join(root, "cifar-10-binary.tar.gz");
  await tar.c({ gzip: true, file, cwd: src }, ["cifar-10-batches-bin"]);
  archive = readFileSync(file);
  md5 = createHash("md5").update(archive).digest("hex");
  damaged = Buffer.from(archive);
  damaged[Math.floor(damaged.length / 2)]! ^= 0x01;
  server = createServer((req, res) => {
    served.push(req.url ?? "");
    const body = req.url === "/damaged.tar.gz" ? damaged : archive;
    res.writeHead(200, { "Content-Length": body.length }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(root, { recursive: true, force: true });
});

function source(path: string): ArchiveSource {
  return { url: `${baseUrl}${path}`, md5, fileName: "cifar-10-binary.tar.gz", label: "CIFAR-10 binary archive" };
}

function freshCache(): string {
  return mkdtempSync(join(root, "cache-"));
}

describe("official archive path", () => {
  it("downloads, md5-checks, extracts into <cache>/datasets, parses, and reuses the cache", async () => {
    const cacheDir = freshCache();
    const before = served.length;
    const data = await loadCifar({ dataset: "cifar10", cacheDir, source: source("/ok.tar.gz"), progress: "none" });
    expect(data.dir).toBe(join(cacheDir, "datasets", "cifar-10-batches-bin"));
    expect(existsSync(join(cacheDir, "datasets", "cifar-10-binary.tar.gz"))).toBe(true);
    const want = generateSyntheticSplit("cifar10", 20, deriveSeed(9, "train"));
    expect(Buffer.from(data.train.images).equals(Buffer.from(want.images))).toBe(true);
    expect([...data.train.labels]).toEqual([...want.labels]);
    expect(data.test.count).toBe(10);
    const again = await loadCifar({ dataset: "cifar10", cacheDir, source: source("/ok.tar.gz") });
    expect(again.dir).toBe(data.dir);
    expect(served.length - before).toBe(1);
  });

  it("a flipped byte in the downloaded archive is a checksum error", async () => {
    const cacheDir = freshCache();
    const err = await loadCifar({
      dataset: "cifar10",
      cacheDir,
      source: source("/damaged.tar.gz"),
      progress: "none",
    }).catch((e) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe("CHECKSUM_MISMATCH");
    expect(err.message).toContain(md5);
    expect(existsSync(join(cacheDir, "datasets", "cifar-10-batches-bin"))).toBe(false);
  });

  it("a flipped byte in an archive given as --data-dir is a checksum error", async () => {
    const path = join(root, "given-damaged.tar.gz");
    writeFileSync(path, damaged);
    const err = await loadCifar({
      dataset: "cifar10",
      cacheDir: freshCache(),
      dataDir: path,
      source: source("/x"),
    }).catch((e) => e);
    expect(err.code).toBe("CHECKSUM_MISMATCH");
    expect(err.message).toContain(path);
  });

  it("offline: the error says which file to place where", async () => {
    const cacheDir = freshCache();
    const offline = { ...source("/ok.tar.gz"), url: "http://127.0.0.1:9/cifar-10-binary.tar.gz" };
    const err = await loadCifar({
      dataset: "cifar10",
      cacheDir,
      source: offline,
      progress: "none",
      log: () => {},
    }).catch((e) => e);
    expect(err.code).toBe("DOWNLOAD_FAILED");
    expect(err.message).toContain(`place it at ${join(cacheDir, "datasets", "cifar-10-binary.tar.gz")}`);
    expect(err.message).toContain("--data-dir");
  });
});

describe("--data-dir forms", () => {
  it("accepts the archive, the extracted folder and its parent alike", async () => {
    const cacheDir = freshCache();
    const path = join(root, "given.tar.gz");
    writeFileSync(path, archive);
    const fromArchive = await loadCifar({ dataset: "synthetic-cifar10", cacheDir, dataDir: path });
    const folder = fromArchive.dir;
    const fromFolder = await loadCifar({ dataset: "synthetic-cifar10", cacheDir, dataDir: folder });
    const fromParent = await loadCifar({ dataset: "synthetic-cifar10", cacheDir, dataDir: join(folder, "..") });
    for (const d of [fromFolder, fromParent]) {
      expect(Buffer.from(d.train.images).equals(Buffer.from(fromArchive.train.images))).toBe(true);
      expect(d.classNames).toEqual(fromArchive.classNames);
    }
  });

  it("a folder without CIFAR files is rejected with what to pass instead", async () => {
    const err = await loadCifar({ dataset: "cifar10", cacheDir: freshCache(), dataDir: root }).catch((e) => e);
    expect(err.code).toBe("DATA_DIR_INVALID");
    expect(err.message).toContain("cifar-10-batches-bin");
  });

  it("an archive without the expected folder is rejected", async () => {
    const path = join(root, "wrong.tar.gz");
    await tar.c({ gzip: true, file: path, cwd: join(root, "src") }, ["cifar-10-batches-bin/test_batch.bin"]);
    const other = await loadCifar({ dataset: "synthetic-cifar100", cacheDir: freshCache(), dataDir: path }).catch(
      (e) => e,
    );
    expect(other.code).toBe("ARCHIVE_INVALID");
    expect(other.message).toContain("cifar-100-binary");
  });
});

describe("synthetic datasets without --data-dir", () => {
  it("are generated once into the cache and reused", async () => {
    const cacheDir = freshCache();
    const a = await loadCifar({ dataset: "synthetic-cifar100", cacheDir, synthetic: { train: 30, test: 10, seed: 2 } });
    const b = await loadCifar({ dataset: "synthetic-cifar100", cacheDir, synthetic: { train: 30, test: 10, seed: 2 } });
    expect(a.dir).toBe(b.dir);
    expect(a.dir).toContain(join(cacheDir, "datasets"));
    expect(a.classNames).toHaveLength(100);
    expect(Buffer.from(a.train.images).equals(Buffer.from(b.train.images))).toBe(true);
  });
});
