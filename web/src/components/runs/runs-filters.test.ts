import { describe, expect, it } from "vitest";
import { filtersFromParams, paramsFromFilters } from "./runs-filters";

describe("runs list filters in the URL", () => {
  it("round-trips every filter and drops the default sort", () => {
    const filters = filtersFromParams({
      status: "running",
      dataset: "cifar100",
      freezeMode: "full",
      init: "random",
      tag: "transfer",
      search: "skip",
      sort: "bestValAcc",
    });
    expect(filters).toEqual({
      sort: "bestValAcc",
      status: "running",
      dataset: "cifar100",
      freezeMode: "full",
      init: "random",
      tag: "transfer",
      search: "skip",
      projectId: undefined,
    });
    expect(filtersFromParams(Object.fromEntries(new URLSearchParams(paramsFromFilters(filters))))).toEqual(filters);
    expect(paramsFromFilters(filtersFromParams({}))).toBe("");
  });

  it("ignores values the API would refuse instead of failing the page", () => {
    expect(
      filtersFromParams({ status: "exploded", sort: "random", projectId: "not-a-uuid", init: ["pretrained", "x"] }),
    ).toEqual({
      sort: "created",
      status: undefined,
      dataset: undefined,
      freezeMode: undefined,
      init: "pretrained",
      tag: undefined,
      search: undefined,
      projectId: undefined,
    });
  });
});
