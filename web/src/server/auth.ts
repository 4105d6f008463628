// Accounts and sessions (better-auth). Files the tRPC router reaches use relative imports only:
// the agent package type-checks them through `@ai623/web/router`.
import { countUsers, type Db } from "@ai623/drizzle";
import { accounts, sessions, users, verifications } from "@ai623/drizzle/schema";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { APIError } from "better-auth/api";
import { betterAuth } from "better-auth/minimal";
import { type Env, resolveAuthSecret } from "./auth-secret";
import { requestOrigin } from "./request-origin";

export const userRoles = ["owner", "member"] as const;
export type UserRole = (typeof userRoles)[number];

export interface AuthOptions {
  /** `process.env` by default; tests pass their own to try sign-up rules. */
  env?: Env;
}

export function createAuth(db: Db, { env = process.env }: AuthOptions = {}) {
  const github =
    env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET
      ? { github: { clientId: env.GITHUB_CLIENT_ID, clientSecret: env.GITHUB_CLIENT_SECRET } }
      : {};
  return betterAuth({
    appName: "ai623",
    secret: resolveAuthSecret(env),
    database: drizzleAdapter(db, {
      provider: "pg",
      usePlural: true,
      schema: { users, sessions, accounts, verifications },
    }),
    emailAndPassword: { enabled: true, minPasswordLength: 8, autoSignIn: true },
    socialProviders: github,
    user: {
      additionalFields: {
        role: { type: "string", required: false, defaultValue: "member", input: false },
      },
    },
    // The site is served under whatever host it is reached by (localhost, a LAN address, a domain):
    // its own origin is trusted, so a browser's same-origin POST passes the CSRF check and others fail.
    trustedOrigins: (request) => (request ? [...new Set([new URL(request.url).origin, requestOrigin(request)])] : []),
    // better-auth skips the origin check when NODE_ENV=test; pin it on so tests see what production does.
    advanced: { disableOriginCheck: false, useSecureCookies: wantsSecureCookies(env) },
    telemetry: { enabled: false },
    databaseHooks: {
      user: {
        create: {
          before: async (user) => {
            const first = (await countUsers(db)) === 0;
            if (!first && env.AI623_SIGNUP === "closed") {
              throw new APIError("FORBIDDEN", {
                code: "SIGNUP_CLOSED",
                message:
                  "Sign-up is closed on this instance (AI623_SIGNUP=closed): ask its owner for an account, or unset AI623_SIGNUP to open it.",
              });
            }
            // The first account owns the instance. Two simultaneous first sign-ups could both see an empty
            // table; on a fresh instance that race is harmless enough (both are the installer).
            const role: UserRole = first ? "owner" : "member";
            return { data: { ...user, role } };
          },
        },
      },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

/**
 * Secure (`__Secure-`) session cookies only where the site is served over https. better-auth would
 * set them in every production build, and a browser drops a Secure cookie over plain http on anything
 * but localhost: `npm start` reached at a LAN address could never keep a session. Behind an https proxy,
 * BETTER_AUTH_URL names the public origin; Vercel says so itself.
 */
export function wantsSecureCookies(env: Env): boolean {
  if (env.BETTER_AUTH_URL) return env.BETTER_AUTH_URL.trim().startsWith("https://");
  return Boolean(env.VERCEL_URL);
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: UserRole;
}

/** The signed-in user of a request, or null. */
export async function getSessionUser(auth: Auth, headers: Headers): Promise<SessionUser | null> {
  const session = await auth.api.getSession({ headers });
  if (!session) return null;
  const { id, email, name, role } = session.user as typeof session.user & { role?: string };
  return { id, email, name, role: role === "owner" ? "owner" : "member" };
}
