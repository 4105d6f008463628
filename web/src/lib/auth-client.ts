import { createAuthClient } from "better-auth/react";

/** Browser side of better-auth, served by /api/auth on the same origin. */
export const authClient = createAuthClient();
