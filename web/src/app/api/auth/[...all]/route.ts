import { getServerInstance } from "@/server/instance";

export const dynamic = "force-dynamic";

// The auth instance needs the database, which opens on first use, so the handler is resolved per request.
async function handleAuthRequest(req: Request): Promise<Response> {
  const { auth } = await getServerInstance();
  return auth.handler(req);
}

export { handleAuthRequest as GET, handleAuthRequest as POST };
