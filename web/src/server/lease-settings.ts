// How long a claimed run stays an agent's without a heartbeat. Short leases hand a dead agent's run
// to another sooner; long ones tolerate slow networks and long pauses. The heartbeat interval the
// agents are told follows the lease, so at least three beats fit in one.
import { defaultHeartbeatSeconds, defaultLeaseSeconds } from "@ai623/drizzle";
import type { Env } from "./auth-secret";

export const minLeaseSeconds = 5;
export const maxLeaseSeconds = 86_400;

export interface LeaseSettings {
  leaseSeconds: number;
  heartbeatSeconds: number;
}

export class LeaseSettingError extends Error {
  readonly code = "LEASE_SECONDS_INVALID";
}

/** AI623_LEASE_SECONDS (whole seconds, 5 … 86400; default 60) and the heartbeat interval it implies. */
export function resolveLeaseSettings(env: Env = process.env): LeaseSettings {
  const raw = env.AI623_LEASE_SECONDS?.trim();
  let leaseSeconds = defaultLeaseSeconds;
  if (raw) {
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= minLeaseSeconds && value <= maxLeaseSeconds)) {
      throw new LeaseSettingError(
        `AI623_LEASE_SECONDS must be a whole number of seconds from ${minLeaseSeconds} to ${maxLeaseSeconds} (got "${raw}"): set it to e.g. 60, or unset it for the default ${defaultLeaseSeconds}.`,
      );
    }
    leaseSeconds = value;
  }
  const heartbeatSeconds = Math.min(defaultHeartbeatSeconds, Math.max(1, Math.floor(leaseSeconds / 3)));
  return { leaseSeconds, heartbeatSeconds };
}
