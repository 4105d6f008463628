/**
 * Domain errors every query throws. `code` is stable and equals the tRPC error code it maps to,
 * so the web maps them in one place: `new TRPCError({ code: err.code, message: err.message, cause: err })`.
 */
export type DomainErrorCode = "NOT_FOUND" | "FORBIDDEN" | "CONFLICT" | "UNAUTHORIZED" | "BAD_REQUEST";

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  /** HTTP status for callers that are not tRPC. */
  abstract readonly httpStatus: number;
}

/** Unknown id, or a row that belongs to another user (never say which: that would leak ids). */
export class NotFoundError extends DomainError {
  readonly code = "NOT_FOUND";
  readonly httpStatus = 404;
  override name = "NotFoundError";
}

/** An agent touching a run it does not hold. */
export class ForbiddenError extends DomainError {
  readonly code = "FORBIDDEN";
  readonly httpStatus = 403;
  override name = "ForbiddenError";
}

/** An illegal state change, e.g. cancelling a finished run, or a duplicate name. */
export class ConflictError extends DomainError {
  readonly code = "CONFLICT";
  readonly httpStatus = 409;
  override name = "ConflictError";
}

/** A missing, malformed, unknown or revoked agent token. */
export class UnauthorizedError extends DomainError {
  readonly code = "UNAUTHORIZED";
  readonly httpStatus = 401;
  override name = "UnauthorizedError";
}

/** Input the zod schemas cannot catch, e.g. a pagination cursor that was not made by listRuns. */
export class BadInputError extends DomainError {
  readonly code = "BAD_REQUEST";
  readonly httpStatus = 400;
  override name = "BadInputError";
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A malformed id cannot name a row: say "not found" instead of letting Postgres fail the cast. */
export function assertId(id: string, what: string): void {
  if (!uuidPattern.test(id)) throw new NotFoundError(`${what} ${JSON.stringify(id)} not found`);
}
