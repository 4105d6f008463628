// A WebSocket→TCP proxy speaking Neon's wsproxy contract (ws://HOST:PORT/v1?address=pghost:pgport,
// each binary message = raw Postgres wire bytes), so @neondatabase/serverless can be tested against
// a plain local PostgreSQL. Allow-listed: it is never an open proxy.
import { type AddressInfo, connect } from "node:net";
import { type RawData, WebSocketServer } from "ws";

export interface WsPgProxy {
  port: number;
  /** The value for NEON_WS_PROXY. */
  proxy: string;
  close(): Promise<void>;
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/** Listen on 127.0.0.1 (port 0 = a free one) and forward to the allowed `host:port` targets only. */
export function startWsPgProxy(opts: { allow: string[]; port?: number }): Promise<WsPgProxy> {
  const allow = new Set(opts.allow);
  const wss = new WebSocketServer({ host: "127.0.0.1", port: opts.port ?? 0, perMessageDeflate: false });
  wss.on("connection", (ws, req) => {
    const address = new URL(req.url ?? "/", "http://proxy").searchParams.get("address") ?? "";
    if (!allow.has(address)) {
      ws.close(1008, "address not allowed");
      return;
    }
    const colon = address.lastIndexOf(":");
    const tcp = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
    tcp.setNoDelay(true);
    const pending: Buffer[] = [];
    tcp.on("connect", () => {
      for (const chunk of pending.splice(0)) tcp.write(chunk);
    });
    ws.on("message", (data) => {
      const chunk = toBuffer(data);
      if (tcp.connecting) pending.push(chunk);
      else tcp.write(chunk);
    });
    tcp.on("data", (chunk) => {
      ws.send(chunk, { binary: true });
      // back-pressure: stop reading from Postgres while the socket's buffer is large
      if (ws.bufferedAmount > 1 << 20) {
        tcp.pause();
        const drain = () => (ws.bufferedAmount > 1 << 18 ? setTimeout(drain, 5) : tcp.resume());
        setTimeout(drain, 5);
      }
    });
    const closeBoth = () => {
      tcp.destroy();
      if (ws.readyState <= 1) ws.close();
    };
    tcp.on("error", closeBoth);
    tcp.on("close", closeBoth);
    ws.on("error", closeBoth);
    ws.on("close", closeBoth);
  });
  return new Promise((resolve, reject) => {
    wss.once("error", reject);
    wss.once("listening", () => {
      const { port } = wss.address() as AddressInfo;
      resolve({
        port,
        proxy: `127.0.0.1:${port}/v1`,
        close: () =>
          new Promise<void>((done) => {
            for (const client of wss.clients) client.terminate();
            wss.close(() => done());
          }),
      });
    });
  });
}
