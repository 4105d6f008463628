// The `ai623-agent` command line: the command table lives here, and this is the only file that
// calls process.exit. Each command is a function in src/commands/ taking parsed options.
import { Command } from "commander";
import { runDataSynth } from "./commands/data-synth";
import { type EvalOptions, runEval } from "./commands/eval";
import { AgentError } from "./errors";
import { agentVersion } from "./version";

export function buildProgram(): Command {
  const program = new Command("ai623-agent")
    .description("Claims queued ai623 runs, trains ResNet-152 with TensorFlow.js and reports every epoch.")
    .version(agentVersion)
    .showHelpAfterError();
  const data = program.command("data").description("Datasets: CIFAR-10/100 and their synthetic twins.");
  data
    .command("synth")
    .description("Write a synthetic CIFAR twin in the official binary layout (use it with --data-dir).")
    .requiredOption("--dataset <name>", "cifar10 or cifar100")
    .requiredOption("--out <dir>", "folder to write into (the CIFAR folder is created inside)")
    .requiredOption("--train <n>", "training images")
    .requiredOption("--test <n>", "test images")
    .option("--seed <s>", "generator seed", "0")
    .action(async (opts: { dataset: string; out: string; train: string; test: string; seed: string }) => {
      await runDataSynth(opts);
    });
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
    .option("--backend <name>", "force a backend: node-gpu, node, wasm or cpu")
    .option("--cache-dir <dir>", "cache root (default AI623_CACHE_DIR or ~/.cache/ai623)")
    .action(async (opts: EvalOptions) => {
      await runEval(opts);
    });
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
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
