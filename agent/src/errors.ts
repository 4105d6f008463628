/** Stable error codes are UPPER_SNAKE_CASE: what `fail` reports to the server and tests match. */
export const errorCodePattern = /^[A-Z][A-Z0-9_]{1,63}$/;

/**
 * An error the user can act on. `code` is stable (documented, matched by tests and the server);
 * the message says what went wrong and how to fix it. The CLI turns it into an exit code.
 */
export class AgentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "AgentError";
    if (!errorCodePattern.test(code)) throw new Error(`AgentError code "${code}" is not UPPER_SNAKE_CASE`);
  }
}
