// Runs the real CLI (`ai623-agent run`, from source) in a child process, as a user would, with the
// test-only tiny network and synthetic data, and collects its JSON log lines.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const agentRoot = fileURLToPath(new URL("..", import.meta.url));

export const tinyOverrides = {
  blocks: [1, 1, 1, 1],
  widths: [4, 4, 8, 8],
  synthetic: { train: 48, test: 24, seed: 1 },
  idleMinMs: 200,
  idleMaxMs: 1000,
};

export interface AgentProcess {
  child: ChildProcess;
  /** parsed JSON log lines so far */
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
  /** resolves when a log line matches */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function spawnAgent(opt: {
  server: string;
  token: string;
  cacheDir: string;
  args?: string[];
  /** replaces fields of `tinyOverrides` (e.g. more synthetic images for longer epochs) */
  overrides?: Partial<typeof tinyOverrides>;
  /** default wasm */
  backend?: string;
  /** added to the child's environment (e.g. VK_ICD_FILENAMES for webgpu on SwiftShader) */
  env?: Record<string, string>;
}): AgentProcess {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/cli.ts",
      "run",
      "--server",
      opt.server,
      "--token",
      opt.token,
      "--backend",
      opt.backend ?? "wasm",
      "--cache-dir",
      opt.cacheDir,
      "--log-format",
      "json",
      ...(opt.args ?? []),
    ],
    {
      cwd: agentRoot,
      env: {
        ...process.env,
        AI623_TEST_OVERRIDES: JSON.stringify({ ...tinyOverrides, ...opt.overrides }),
        AI623_FAST: "",
        ...opt.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const logs: Record<string, unknown>[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] =
    [];
  let buffered = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { msg: line, unparsed: true };
      }
      logs.push(parsed);
      for (const w of [...waiters]) {
        if (w.match(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    logs,
    stderr: () => err,
    exited,
    waitForLog(match, timeoutMs = 120_000) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching log line in ${timeoutMs} ms; stderr: ${err.slice(-2000)}`)),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          const late = logs.find(match);
          if (late) resolve(late);
          else reject(new Error(`agent exited before a matching log line; stderr: ${err.slice(-2000)}`));
        });
      });
    },
  };
}
