// Drives the site through its real route handlers with real `Request`s: the same code `next start`
// runs for /api/auth and /api/trpc, cookies and bearer tokens included.
import superjson, { type SuperJSONResult } from "superjson";
import { GET as authGet, POST as authPost } from "../app/api/auth/[...all]/route";
import { GET as trpcGet, POST as trpcPost } from "../app/api/trpc/[trpc]/route";

export const origin = "http://localhost:3000";

export interface Caller {
  cookie?: string;
  token?: string;
}

function cookieFrom(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

/** Creates an account through better-auth's handler; returns the session cookie. */
export async function signUp(email: string, password = "correct-horse-battery"): Promise<Caller> {
  const res = await authPost(
    new Request(`${origin}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin },
      body: JSON.stringify({ email, password, name: email.split("@")[0] }),
    }),
  );
  if (res.status !== 200) throw new Error(`sign-up of ${email} failed: ${res.status} ${await res.text()}`);
  return { cookie: cookieFrom(res) };
}

export async function signUpRaw(email: string, password = "correct-horse-battery"): Promise<Response> {
  return authPost(
    new Request(`${origin}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin },
      body: JSON.stringify({ email, password, name: email.split("@")[0] }),
    }),
  );
}

export async function signIn(email: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return authPost(
    new Request(`${origin}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin, ...headers },
      body: JSON.stringify({ email, password }),
    }),
  );
}

export async function getAuthSession(caller: Caller): Promise<Response> {
  return authGet(new Request(`${origin}/api/auth/get-session`, { headers: headersFor(caller) }));
}

function headersFor(caller: Caller, extra: Record<string, string> = {}): Headers {
  const h = new Headers(extra);
  if (caller.cookie) h.set("cookie", caller.cookie);
  if (caller.token) h.set("authorization", `Bearer ${caller.token}`);
  return h;
}

export interface TrpcError {
  message: string;
  code: number;
  data: { code: string; httpStatus: number; zodError?: unknown };
}

export type TrpcResult<T = unknown> =
  | { status: number; data: T; error: null }
  | { status: number; data: null; error: TrpcError };

async function readResult<T>(res: Response): Promise<TrpcResult<T>> {
  const body = (await res.json()) as {
    result?: { data: SuperJSONResult };
    error?: { json: TrpcError };
  };
  if (body.error) return { status: res.status, data: null, error: body.error.json };
  if (!body.result) throw new Error(`unexpected tRPC body: ${JSON.stringify(body)}`);
  return { status: res.status, data: superjson.deserialize<T>(body.result.data), error: null };
}

/** A tRPC query (GET) as the tRPC client sends it, superjson-encoded. */
export async function query<T = unknown>(path: string, input: unknown, caller: Caller = {}): Promise<TrpcResult<T>> {
  const url = new URL(`${origin}/api/trpc/${path}`);
  if (input !== undefined) url.searchParams.set("input", JSON.stringify(superjson.serialize(input)));
  return readResult<T>(await trpcGet(new Request(url, { headers: headersFor(caller) })));
}

/** A tRPC mutation (POST); `rawBody` sends exactly those bytes instead of encoding `input`. */
export async function mutate<T = unknown>(
  path: string,
  input: unknown,
  caller: Caller = {},
  rawBody?: string,
): Promise<TrpcResult<T>> {
  const res = await trpcPost(
    new Request(`${origin}/api/trpc/${path}`, {
      method: "POST",
      headers: headersFor(caller, { "content-type": "application/json" }),
      body: rawBody ?? JSON.stringify(superjson.serialize(input)),
    }),
  );
  return readResult<T>(res);
}
