// The agent's view of the protocol (client.ts, built from shared/src/protocol.ts) must be what the
// site's router serves: a renamed procedure or a changed input/output shape fails this at compile
// time (tsc) and here at run time (vitest's type assertions are compile-time only).
import type { AppRouter } from "@ai623/web/router";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { describe, expectTypeOf, it } from "vitest";
import type { AgentInput, AgentOutput, AgentProcedure } from "./client";

type ServerInputs = inferRouterInputs<AppRouter>["agent"];
type ServerOutputs = inferRouterOutputs<AppRouter>["agent"];

describe("agent protocol types", () => {
  it("names exactly the server's agent procedures", () => {
    expectTypeOf<keyof ServerInputs>().toEqualTypeOf<AgentProcedure>();
  });
  it("sends what the server accepts and reads what it answers", () => {
    expectTypeOf<AgentInput<"hello">>().toEqualTypeOf<ServerInputs["hello"]>();
    expectTypeOf<AgentInput<"postEpoch">>().toEqualTypeOf<ServerInputs["postEpoch"]>();
    expectTypeOf<AgentInput<"start">>().toEqualTypeOf<ServerInputs["start"]>();
    expectTypeOf<AgentInput<"fail">>().toEqualTypeOf<ServerInputs["fail"]>();
    expectTypeOf<AgentOutput<"claim">>().toEqualTypeOf<ServerOutputs["claim"]>();
    expectTypeOf<AgentOutput<"heartbeat">>().toEqualTypeOf<ServerOutputs["heartbeat"]>();
    expectTypeOf<AgentOutput<"postEpoch">>().toEqualTypeOf<ServerOutputs["postEpoch"]>();
  });
});
