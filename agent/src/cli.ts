// The `ai623-agent` command line: the command table lives here, and this is the only file that
// calls process.exit. Each command is a function in src/commands/ taking parsed options.
import { Command } from "commander";
import { runDataSynth } from "./commands/data-synth";
import { runDoctor } from "./commands/doctor";
import { type EvalOptions, runEval } from "./commands/eval";
import { type RunOptions, runAgentCommand } from "./commands/run";
import { AgentError } from "./errors";
import { agentVersion } from "./version";

/** Exit code an action asks for (commander's actions return nothing to parseAsync). */
let actionExitCode = 0;

export function buildProgram(): Command {
  const program = new Command("ai623-agent")
    .description("Claims queued ai623 runs, trains ResNet-152 with TensorFlow.js and reports every epoch.")
    .version(agentVersion)
    .showHelpAfterError();
  program
    .command("run", { isDefault: true })
    .description("Claim queued runs from the server, train them and report every epoch (the default command).")
    .option("--server <url>", "the ai623 site, e.g. https://ai623.example.org (env AI623_SERVER)")
    .option("--token <token>", "agent token from the Agents page (env AI623_TOKEN)")
    .option("--name <name>", "name shown in logs (env AI623_NAME; default the hostname)")
    .option(
      "--backend <name>",
      "auto, tensorflow-gpu, webgpu, tensorflow, wasm or cpu (env AI623_BACKEND; default auto)",
    )
    .option(
      "--gpu-memory <mb>",
      "webgpu: GPU memory a step may use, in MB (env AI623_GPU_MEMORY_MB; default 90 % of an NVIDIA card, half the RAM on a software adapter, else 4096)",
    )
    .option("--cache-dir <dir>", "datasets, weights, checkpoints, outbox (env AI623_CACHE_DIR; default ~/.cache/ai623)")
    .option(
      "--data-dir <dir>",
      "an extracted CIFAR folder or .tar.gz to use instead of downloading (env AI623_AGENT_DATA_DIR; AI623_DATA_DIR is the site's own folder)",
    )
    .option("--once", "train one run, then exit (same as --max-runs 1)")
    .option("--max-runs <n>", "exit after n runs (env AI623_MAX_RUNS)")
    .option("--checkpoint-every <n>", "checkpoint every n epochs, 0 = never (env AI623_CHECKPOINT_EVERY; default 1)")
    .option(
      "--log-format <format>",
      "pretty (terminal) or json (one pino object per line on stdout) (env AI623_LOG_FORMAT)",
    )
    .action(async (opts: RunOptions) => {
      actionExitCode = await runAgentCommand(opts);
    });
  program
    .command("doctor")
    .description("Check backends, memory, the cache folder and, with --server/--token, the server and the token.")
    .option("--server <url>", "the ai623 site (env AI623_SERVER)")
    .option("--token <token>", "agent token to check (env AI623_TOKEN)")
    .option("--cache-dir <dir>", "cache root (env AI623_CACHE_DIR; default ~/.cache/ai623)")
    .option("--skip-backends", "do not probe the TF.js backends")
    .action(async (opts: { server?: string; token?: string; cacheDir?: string; skipBackends?: boolean }) => {
      actionExitCode = await runDoctor(opts);
    });
  const data = program.command("data").description("Datasets: CIFAR-10/100 and their synthetic twins.");
  data
    .command("synth")
    .description("Write a synthetic CIFAR twin in the official binary layout (use it with --data-dir).")
    .requiredOption("--dataset <name>", "cifar10 or cifar100")
    .requiredOption("--out <dir>", "folder to write into (the CIFAR folder is created inside)")
    .requiredOption("--train <n>", "training images")
    .requiredOption("--test <n>", "test images")
    .option("--seed <s>", "generator seed", "0")
    .option("--archive", "also pack it as a .tar.gz named like the official archive")
    .action(
      async (opts: { dataset: string; out: string; train: string; test: string; seed: string; archive?: boolean }) => {
        await runDataSynth(opts);
      },
    );
  program
    .command("eval")
    .description("Accuracy of a torchvision-named checkpoint on a CIFAR test split; optionally writes its logits.")
    .requiredOption("--weights <file>", "checkpoint (.safetensors, torchvision names)")
    .requiredOption("--dataset <name>", "cifar10 or cifar100")
    .requiredOption("--data-dir <dir>", "extracted CIFAR binary folder (or its .tar.gz)")
    .option("--image-size <px>", "input side, 32–224 (bilinear upsampling)", "32")
    .option("--limit <n>", "evaluate only the first n test images")
    .option("--logits-out <file>", "write the logits as JSON, an array per image in file order")
    .option("--disabled-skips <blocks>", "comma-separated blocks without residual add, e.g. layer3.0,layer4.1")
    .option("--batch-size <n>", "images per forward pass", "64")
    .option("--backend <name>", "force a backend: tensorflow-gpu, webgpu, tensorflow, wasm or cpu")
    .option("--cache-dir <dir>", "cache root (default AI623_CACHE_DIR or ~/.cache/ai623)")
    .action(async (opts: EvalOptions) => {
      await runEval(opts);
    });
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return actionExitCode;
  } catch (err) {
    if (err instanceof AgentError) {
      console.error(`ai623-agent: ${err.message} [${err.code}]`);
      return err.exitCode;
    }
    throw err;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
