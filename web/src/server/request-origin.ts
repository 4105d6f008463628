/**
 * The site's origin as the caller reached it: a reverse proxy's forwarded host first, else the URL
 * `next start` saw. Browsers cannot set X-Forwarded-* on a cross-site request without a CORS
 * preflight this site never grants, so trusting it does not let another site pass for this one.
 */
export function requestOrigin(req: Request): string {
  const url = new URL(req.url);
  const host = req.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  const proto = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  return host ? `${proto || url.protocol.replace(":", "")}://${host}` : url.origin;
}
