// GET /api/live[?runs=id,id]: server-sent events for the signed-in user's runs (see server/live.ts).
import { getSessionUser } from "@/server/auth";
import { getServerInstance } from "@/server/instance";
import { liveRunStream } from "@/server/live";

export const dynamic = "force-dynamic";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function GET(request: Request): Promise<Response> {
  const { db, auth } = await getServerInstance();
  const user = await getSessionUser(auth, request.headers);
  if (!user) return Response.json({ error: "Sign in first: live updates need an account session." }, { status: 401 });
  const runIds = (new URL(request.url).searchParams.get("runs") ?? "").split(",").filter(Boolean);
  const bad = runIds.filter((id) => !uuid.test(id));
  if (bad.length > 0 || runIds.length > 200) {
    return Response.json(
      { error: `runs= takes up to 200 run ids separated by commas; not run ids: ${bad.slice(0, 5).join(", ")}` },
      { status: 400 },
    );
  }
  const stream = liveRunStream({ db, ownerId: user.id, runIds, signal: request.signal });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // nginx and friends buffer responses unless told not to
      "x-accel-buffering": "no",
    },
  });
}
