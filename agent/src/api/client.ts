// The agent's client of the site's API: tRPC over HTTP with superjson. The agent is released
// separately from the site, so it holds the server to shared/src/protocol.ts at run time: every
// input is what the shared schemas accept and every answer is parsed by the shared output schema
// (a server speaking another protocol version fails loudly here instead of corrupting a run).
// client.types.test.ts checks at compile time that the site's AppRouter matches this interface.
import { type AgentProcedureName, agentProtocol } from "@ai623/shared";
import { createTRPCUntypedClient, httpLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import type { z } from "zod";
import { AgentError } from "../errors";
import type { DeliveryVerdict } from "./outbox";

type Protocol = typeof agentProtocol;
export type AgentProcedure = AgentProcedureName;
export type AgentInput<P extends AgentProcedure> = z.input<Protocol[P]["input"]>;
export type AgentOutput<P extends AgentProcedure> = z.output<Protocol[P]["output"]>;

/** One method per agent procedure (`agent.<name>` on the server), all mutations. */
export type AgentApi = { [P in AgentProcedure]: (input: AgentInput<P>) => Promise<AgentOutput<P>> };

export interface AgentApiOptions {
  server: string;
  token: string;
  /** Per request; a hung connection must not stall the agent. */
  timeoutMs?: number;
}

export function trpcEndpoint(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new AgentError("BAD_SERVER_URL", `--server "${server}" is not a URL; use e.g. http://localhost:3000`, 2);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new AgentError("BAD_SERVER_URL", `--server must be http:// or https://, got "${url.protocol}"`, 2);
  }
  return `${url.origin}${url.pathname.replace(/\/$/, "")}/api/trpc`;
}

export function createAgentApi(opts: AgentApiOptions): AgentApi {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const client = createTRPCUntypedClient({
    links: [
      httpLink({
        url: trpcEndpoint(opts.server),
        transformer: superjson,
        headers: () => ({ authorization: `Bearer ${opts.token}` }),
        fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
      }),
    ],
  });
  const call = <P extends AgentProcedure>(name: P) => {
    const { input, output } = agentProtocol[name];
    return async (value: AgentInput<P>): Promise<AgentOutput<P>> => {
      const answer = await client.mutation(`agent.${name}`, input.parse(value));
      const parsed = output.safeParse(answer);
      if (!parsed.success) {
        throw new AgentError(
          "PROTOCOL_MISMATCH",
          `The server's answer to agent.${name} does not match this agent's protocol (${parsed.error.message}); update ai623-agent to the site's version.`,
        );
      }
      return parsed.data as AgentOutput<P>;
    };
  };
  return {
    hello: call("hello"),
    heartbeat: call("heartbeat"),
    claim: call("claim"),
    start: call("start"),
    postEpoch: call("postEpoch"),
    checkpoint: call("checkpoint"),
    finish: call("finish"),
    fail: call("fail"),
    release: call("release"),
  };
}

/** HTTP status of a failed call; 0 when the server was not reached. */
export function httpStatusOf(error: unknown): number {
  if (error instanceof TRPCClientError) {
    const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
    if (typeof status === "number") return status;
    const meta = error.meta as { response?: { status?: number } } | undefined;
    return meta?.response?.status ?? 0;
  }
  return 0;
}

/**
 * How the outbox treats a failed delivery: a revoked token stops the agent; a request the server
 * refused on its merits (4xx), or that fails the shared schemas, will never succeed and is dropped;
 * anything else (network, timeouts, 5xx, 408, 429) is retried later.
 */
export function classifyDeliveryError(error: unknown): DeliveryVerdict {
  // Not a transport error: the report failed our own schema or the answer failed it. Retrying the
  // same bytes cannot help, and keeping it would block every report behind it.
  if (!(error instanceof TRPCClientError)) return "drop";
  const status = httpStatusOf(error);
  if (status === 401) return "fatal";
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return "drop";
  return "retry";
}

export function tokenRejectedError(detail?: string): AgentError {
  return new AgentError(
    "TOKEN_REJECTED",
    `The server rejected this agent's token (revoked or unknown${detail ? `: ${detail}` : ""}). Create a new token on the Agents page and restart with --token.`,
    3,
  );
}

/** A short description of a failed call for logs and status lines. */
export function describeApiError(error: unknown): string {
  const status = httpStatusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return status ? `HTTP ${status}: ${message}` : message;
}
