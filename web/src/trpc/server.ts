import "server-only";
import { TRPCError } from "@trpc/server";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
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

/** A server component's query whose NOT_FOUND (or a malformed id) should be the 404 page, not an error. */
export async function orNotFound<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  }
}
