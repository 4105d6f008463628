import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { appRouter } from "@/server/api/root";
import { createCallerFactory, createTRPCContext } from "@/server/api/trpc";
import { getSessionUser, type SessionUser } from "@/server/auth";
import { getServerInstance } from "@/server/instance";

/** The origin the browser used (a proxy's forwarded host first); `next start` itself serves plain http. */
function originOf(h: Headers): string {
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? "localhost:3000";
  return `${h.get("x-forwarded-proto") ?? "http"}://${host}`;
}

/** A server-side caller for server components: the same procedures, no HTTP round trip. */
export const getCaller = cache(async () => {
  const h = new Headers(await headers());
  return createCallerFactory(appRouter)(await createTRPCContext({ headers: h, origin: originOf(h) }));
});

/** The signed-in user of the current request, or null. */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const { auth } = await getServerInstance();
  return getSessionUser(auth, new Headers(await headers()));
});
