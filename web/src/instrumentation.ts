// Runs once when the server boots (not at import, not during `next build`): open and migrate the
// database and check the auth secret now, so a misconfiguration stops `next start` with its message
// instead of surfacing as a 500 on the first request.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { getServerInstance } = await import("./server/instance");
  await getServerInstance();
}
