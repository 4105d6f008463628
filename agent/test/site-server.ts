// The real site API for agent tests: the web package's /api/trpc handler and better-auth, on an
// in-memory PGlite, behind a plain node:http server on a free port (what `next start` serves at
// those paths, without building Next). Agents under test are child processes talking HTTP to it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import superjson from "superjson";
import { handleTrpcRequest } from "../../web/src/server/api/handler";
import { getServerInstance } from "../../web/src/server/instance";

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) for (const item of v) headers.append(k, item);
    else if (v !== undefined) headers.set(k, v);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method ?? "GET",
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key !== "set-cookie") headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  res.end(Buffer.from(await response.arrayBuffer()));
}

export interface SiteServer {
  url: string;
  port: number;
  /** Stops answering (connections dropped) until `resume`; the database stays. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startSiteServer(port = 0): Promise<SiteServer> {
  let server: Server;
  let origin = "";
  const listen = (p: number) =>
    new Promise<number>((resolve) => {
      server = createServer((req, res) => {
        void (async () => {
          try {
            const request = await toRequest(req, origin);
            const path = new URL(request.url).pathname;
            let response: Response;
            if (path.startsWith("/api/trpc")) response = await handleTrpcRequest(request);
            else if (path.startsWith("/api/auth")) response = await (await getServerInstance()).auth.handler(request);
            else response = new Response("not found", { status: 404 });
            await writeResponse(res, response);
          } catch (e) {
            res.writeHead(500).end(String(e));
          }
        })();
      });
      server.listen(p, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
  const bound = await listen(port);
  origin = `http://127.0.0.1:${bound}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: origin,
    port: bound,
    pause: stop,
    resume: async () => {
      await listen(bound);
    },
    close: stop,
  };
}

/** A signed-in user of the site, calling its tRPC procedures as the browser does. */
export interface SiteUser {
  cookie: string;
  query<T>(path: string, input: unknown): Promise<T>;
  mutate<T>(path: string, input: unknown): Promise<T>;
}

export async function signUpUser(site: SiteServer, email: string): Promise<SiteUser> {
  const res = await fetch(`${site.url}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: site.url },
    body: JSON.stringify({ email, password: "correct-horse-battery", name: email.split("@")[0] }),
  });
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const read = async <T>(r: Response, path: string): Promise<T> => {
    const body = (await r.json()) as { result?: { data: unknown }; error?: { json: { message: string } } };
    if (!body.result) throw new Error(`${path}: ${body.error?.json.message ?? r.status}`);
    return superjson.deserialize(body.result.data as never) as T;
  };
  return {
    cookie,
    async query<T>(path: string, input: unknown) {
      const url = new URL(`${site.url}/api/trpc/${path}`);
      url.searchParams.set("input", JSON.stringify(superjson.serialize(input)));
      return read<T>(await fetch(url, { headers: { cookie } }), path);
    },
    async mutate<T>(path: string, input: unknown) {
      const r = await fetch(`${site.url}/api/trpc/${path}`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", origin: site.url },
        body: JSON.stringify(superjson.serialize(input)),
      });
      return read<T>(r, path);
    },
  };
}
