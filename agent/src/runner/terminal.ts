// What the agent prints. Two audiences: a person at a terminal (`--log-format pretty`: short lines on
// stderr, a progress bar per epoch, one rewritten status line while idle) and a log collector
// (`--log-format json`: pino's one-object-per-line on stdout with runId/epoch/agentId bindings).
import cliProgress from "cli-progress";
import pino, { type Logger } from "pino";
import type { StepProgress } from "../train/train-run";

export type LogFormat = "pretty" | "json";
export type { Logger };

const levelNames: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/** A pino destination that turns each JSON line into `HH:MM:SS level message key=value…`. */
function prettyDestination(out: NodeJS.WritableStream, beforeWrite: () => void) {
  return {
    write(line: string) {
      const { level, time, msg, pid: _p, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
      const clock = new Date(Number(time)).toTimeString().slice(0, 8);
      const tag = (levelNames[Number(level)] ?? "info").padEnd(5);
      const extras = Object.entries(rest)
        .filter(([k]) => k !== "agentId")
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      beforeWrite();
      out.write(`${clock} ${tag} ${String(msg ?? "")}${extras ? `  ${extras}` : ""}\n`);
    },
  };
}

export interface Terminal {
  log: Logger;
  /** One status line while idle: rewritten in place on a TTY, printed once per change elsewhere. */
  idle(message: string): void;
  /** Progress of the current epoch's steps (a bar on a TTY in pretty mode). */
  progress(p: StepProgress): void;
  /** Ends the current bar or status line (before an epoch summary or a run change). */
  clear(): void;
}

export function createTerminal(format: LogFormat, opts: { tty?: boolean; stream?: NodeJS.WritableStream } = {}) {
  const stderr = opts.stream ?? process.stderr;
  const tty = opts.tty ?? (format === "pretty" && Boolean((stderr as NodeJS.WriteStream).isTTY));
  let bar: cliProgress.SingleBar | null = null;
  let barKey = "";
  let lastIdle = "";
  let idleShown = false;

  const clear = () => {
    bar?.stop();
    bar = null;
    barKey = "";
    if (idleShown && tty) stderr.write("\n");
    idleShown = false;
  };

  const log =
    format === "json"
      ? pino({ base: { pid: process.pid } }, pino.destination({ fd: 1, sync: true }))
      : pino({ base: undefined }, prettyDestination(stderr, clear));

  const terminal: Terminal = {
    log,
    clear,
    idle(message) {
      if (message === lastIdle && !tty) return;
      lastIdle = message;
      if (tty) {
        bar?.stop();
        bar = null;
        stderr.write(`\r\x1b[2K${message}`);
        idleShown = true;
      } else {
        log.info(message);
      }
    },
    progress(p) {
      lastIdle = "";
      if (!tty) return;
      const key = `${p.phase}:${p.epoch}`;
      if (key !== barKey) {
        clear();
        barKey = key;
        bar = new cliProgress.SingleBar(
          {
            stream: stderr,
            format: `${p.phase === "train" ? "epoch" : "  val"} {epoch} |{bar}| {value}/{total} steps · loss {loss} · {ips} img/s · ETA {eta_formatted}`,
            hideCursor: false,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.steps, 0, { epoch: p.epoch, loss: "-", ips: "-" });
      }
      bar?.update(p.step, {
        loss: p.loss.toFixed(4),
        ips: p.phase === "train" ? p.imagesPerSec.toFixed(1) : "-",
      });
    },
  };
  return terminal;
}
