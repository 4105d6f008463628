// The runs list's filters live in the URL (?status=running&sort=bestValAcc…), so a filtered list can be
// bookmarked and shared; this is the one translation between the two.
import { datasetIds, freezeModes, type ListRunsInput, runSorts, runStatuses } from "@ai623/shared";

type ListInput = NonNullable<ListRunsInput>;
export type RunFilters = { sort: NonNullable<ListInput["sort"]> } & Pick<
  ListInput,
  "status" | "dataset" | "freezeMode" | "init" | "tag" | "search" | "projectId"
>;

const pick = <T extends string>(allowed: readonly T[], value: string | undefined): T | undefined =>
  value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;

export function filtersFromParams(params: Record<string, string | string[] | undefined>): RunFilters {
  const one = (key: string) => {
    const v = params[key];
    return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
  };
  const projectId = one("projectId");
  return {
    sort: pick(runSorts, one("sort")) ?? "created",
    status: pick(runStatuses, one("status")),
    dataset: pick(datasetIds, one("dataset")),
    freezeMode: pick(freezeModes, one("freezeMode")),
    init: pick(["pretrained", "random"] as const, one("init")),
    tag: one("tag")?.slice(0, 50),
    search: one("search")?.slice(0, 200),
    projectId: projectId && /^[0-9a-f-]{36}$/i.test(projectId) ? projectId : undefined,
  };
}

export function paramsFromFilters(filters: RunFilters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined || value === "" || (key === "sort" && value === "created")) continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
