// How numbers read on the site: one place, so the runs list, the run page and the launch form agree.

/** 0.7071 → "70.71 %"; null → "—". */
export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(digits)} %`;
}

/** 58164298 → "58.16 M", 11513626624 → "11.51 G", 20490 → "20.49 k". */
export function compact(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return "—";
  const abs = Math.abs(value);
  for (const [limit, unit] of [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ] as const) {
    if (abs >= limit) return `${(value / limit).toFixed(digits)} ${unit}`;
  }
  return String(value);
}

/** Binary sizes, one decimal where it matters: 4294967296 → "4 GiB", 268435456 → "256 MiB", 1536 → "1.5 KiB". */
export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  for (const [size, unit] of [
    [2 ** 40, "TiB"],
    [2 ** 30, "GiB"],
    [2 ** 20, "MiB"],
    [2 ** 10, "KiB"],
  ] as const) {
    if (value >= size) return `${Number((value / size).toFixed(1))} ${unit}`;
  }
  return `${value} B`;
}

/** Sizes the agent reports in MiB: 3100 → "3 GiB", 512 → "512 MiB". */
export function mebibytes(mb: number | null | undefined): string {
  return mb === null || mb === undefined ? "—" : bytes(mb * 2 ** 20);
}

/** 58164298 → "58,164,298". */
export function exact(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toLocaleString("en-US");
}

/** 3725 → "1 h 02 min", 200 → "3 min 20 s", 4.2 → "4.2 s". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** How long ago, for heartbeats and timelines: "12 s ago", "3 min ago", "never". */
export function ago(date: Date | null | undefined, now: Date = new Date()): string {
  if (!date) return "never";
  const seconds = Math.max(0, (now.getTime() - date.getTime()) / 1000);
  if (seconds < 2) return "just now";
  return `${duration(seconds)
    .replace(/ \d+ s$/, "")
    .replace(/\.\d s$/, " s")} ago`;
}

/** A stable "2026-12-01 19:40:12" in UTC, the same on the server and in the browser (no hydration mismatch). */
export function timestamp(date: Date | null | undefined): string {
  return date ? `${date.toISOString().slice(0, 19).replace("T", " ")} UTC` : "—";
}

/** A run's wall time: started → finished, or → now while it runs. */
export function runSeconds(
  run: { startedAt: Date | null; finishedAt: Date | null },
  now: Date = new Date(),
): number | null {
  if (!run.startedAt) return null;
  return ((run.finishedAt ?? now).getTime() - run.startedAt.getTime()) / 1000;
}

/** A run config's value as the run page and the compare page show it: lists joined, micro-batch null = "auto". */
export function configValue(key: string, value: unknown): string {
  if (Array.isArray(value)) return value.join(", ") || "—";
  // null: the agent picks the largest micro-batch that fits (runs from before the field have none: "—")
  if (key === "microBatchSize" && value === null) return "auto";
  return value === null || value === undefined ? "—" : String(value);
}
