// The `ai623-agent` command line: the command table lives here, and this is the only file that
// calls process.exit. Each command is a function in src/commands/ taking parsed options.
import { Command } from "commander";
import { AgentError } from "./errors";
import { agentVersion } from "./version";

export function buildProgram(): Command {
  const program = new Command("ai623-agent")
    .description("Claims queued ai623 runs, trains ResNet-152 with TensorFlow.js and reports every epoch.")
    .version(agentVersion)
    .showHelpAfterError();
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
