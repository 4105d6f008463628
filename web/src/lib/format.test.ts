import { describe, expect, it } from "vitest";
import { ago, bytes, compact, configValue, duration, exact, mebibytes, percent, runSeconds, timestamp } from "./format";

describe("format", () => {
  it("writes accuracies, counts and sizes the way the study's tables do", () => {
    expect(percent(0.7071, 2)).toBe("70.71 %");
    expect(percent(null)).toBe("—");
    expect(compact(58_164_298)).toBe("58.16 M");
    expect(compact(11_513_626_624)).toBe("11.51 G");
    expect(compact(20_490)).toBe("20.49 k");
    expect(compact(512)).toBe("512");
    expect(exact(58_164_298)).toBe("58,164,298");
  });

  it("writes durations and ages a person reads at a glance", () => {
    expect(duration(4.25)).toBe("4.3 s");
    expect(duration(42)).toBe("42 s");
    expect(duration(200)).toBe("3 min 20 s");
    expect(duration(3725)).toBe("1 h 02 min");
    expect(duration(3 * 86400 + 7200)).toBe("3 d 2 h");
    const now = new Date("2026-12-01T12:00:00Z");
    expect(ago(new Date("2026-12-01T11:59:48Z"), now)).toBe("12 s ago");
    expect(ago(new Date("2026-12-01T11:57:00Z"), now)).toBe("3 min ago");
    expect(ago(null, now)).toBe("never");
    expect(timestamp(now)).toBe("2026-12-01 12:00:00 UTC");
    expect(runSeconds({ startedAt: new Date("2026-12-01T11:00:00Z"), finishedAt: null }, now)).toBe(3600);
    expect(runSeconds({ startedAt: null, finishedAt: null }, now)).toBeNull();
  });

  it("writes memory sizes in binary units, as WebGPU limits and heaps are counted", () => {
    expect(bytes(2 ** 32)).toBe("4 GiB");
    expect(bytes(2 ** 31 - 4)).toBe("2 GiB");
    expect(bytes(268_435_456)).toBe("256 MiB");
    expect(bytes(1536)).toBe("1.5 KiB");
    expect(bytes(12)).toBe("12 B");
    expect(mebibytes(3891)).toBe("3.8 GiB");
    expect(mebibytes(900)).toBe("900 MiB");
    expect(mebibytes(null)).toBe("—");
  });

  it("shows config values: lists joined, an automatic micro-batch as auto, a missing field as a dash", () => {
    expect(configValue("disabledSkips", ["layer3.0", "layer4.1"])).toBe("layer3.0, layer4.1");
    expect(configValue("disabledSkips", [])).toBe("—");
    expect(configValue("microBatchSize", null)).toBe("auto");
    expect(configValue("microBatchSize", undefined)).toBe("—");
    expect(configValue("trainSubset", null)).toBe("—");
    expect(configValue("lr", 0.001)).toBe("0.001");
  });
});
