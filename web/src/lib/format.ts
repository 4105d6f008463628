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
