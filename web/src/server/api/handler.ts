import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { requestOrigin } from "../request-origin";
import { appRouter } from "./root";
import { createTRPCContext } from "./trpc";

/** Largest request body accepted: an epoch row is ~300 bytes, a run config ~1 KB. */
export const maxBodyBytes = 1024 * 1024;

function tooLarge(bytes: number | null): Response {
  const size = bytes === null ? "more than" : `${bytes} bytes, over`;
  const message = `Request body too large (${size} the ${maxBodyBytes} byte limit): send less per call, e.g. one epoch at a time.`;
  // Shaped like a tRPC error so clients read it the same way as any other.
  const body = {
    error: { json: { message, code: -32600, data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413, path: null } } },
  };
  return Response.json(body, { status: 413 });
}

/** Reads at most `limit` bytes; null when the body is longer (the rest is never buffered). */
async function readBodyCapped(req: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** The `/api/trpc` endpoint: caps the body, then hands the call to tRPC. */
export async function handleTrpcRequest(req: Request): Promise<Response> {
  let forwarded = req;
  if (req.method !== "GET" && req.method !== "HEAD") {
    const declared = Number(req.headers.get("content-length") ?? Number.NaN);
    if (declared > maxBodyBytes) return tooLarge(declared);
    const body = await readBodyCapped(req, maxBodyBytes);
    if (body === null) return tooLarge(null);
    forwarded = new Request(req.url, { method: req.method, headers: req.headers, body });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: forwarded,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: req.headers, origin: requestOrigin(req) }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "?"} failed:`, error.cause ?? error);
    },
  });
}
