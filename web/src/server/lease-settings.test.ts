import { describe, expect, it } from "vitest";
import { resolveLeaseSettings } from "./lease-settings";

describe("AI623_LEASE_SECONDS", () => {
  it("defaults to a 60 s lease with a heartbeat every 10 s", () => {
    expect(resolveLeaseSettings({})).toEqual({ leaseSeconds: 60, heartbeatSeconds: 10 });
    expect(resolveLeaseSettings({ AI623_LEASE_SECONDS: " " })).toEqual({ leaseSeconds: 60, heartbeatSeconds: 10 });
  });

  it("takes whole seconds and keeps three heartbeats inside a short lease", () => {
    expect(resolveLeaseSettings({ AI623_LEASE_SECONDS: "300" })).toEqual({ leaseSeconds: 300, heartbeatSeconds: 10 });
    expect(resolveLeaseSettings({ AI623_LEASE_SECONDS: "15" })).toEqual({ leaseSeconds: 15, heartbeatSeconds: 5 });
    expect(resolveLeaseSettings({ AI623_LEASE_SECONDS: "5" })).toEqual({ leaseSeconds: 5, heartbeatSeconds: 1 });
  });

  it.each(["0", "4", "86401", "1.5", "60s", "-60", "abc"])("refuses %j naming the variable and the range", (raw) => {
    expect(() => resolveLeaseSettings({ AI623_LEASE_SECONDS: raw })).toThrow(
      expect.objectContaining({
        code: "LEASE_SECONDS_INVALID",
        message: expect.stringMatching(/^AI623_LEASE_SECONDS must be a whole number of seconds from 5 to 86400/),
      }),
    );
  });
});
