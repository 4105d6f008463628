"use client";
import { datasetIds, freezeModes, runStatuses } from "@ai623/shared";
import { buttonClass, inputClass } from "@/components/ui";
import type { RunFilters } from "./runs-filters";

const selectClass = `${inputClass} mt-0 w-auto py-1.5`;

/** Search, the filters and the sort order of the runs list (their state lives in the list, and the URL). */
export function RunsFilterBar({
  filters,
  onChange,
  search,
  onSearch,
}: {
  filters: RunFilters;
  onChange: (update: (f: RunFilters) => RunFilters) => void;
  search: string;
  onSearch: (text: string) => void;
}) {
  const set = <K extends keyof RunFilters>(key: K, value: RunFilters[K]) => onChange((f) => ({ ...f, [key]: value }));
  const setFilters = onChange;
  return (
    <search className="flex flex-wrap items-end gap-2" aria-label="Filter runs">
      <label className="text-xs font-medium">
        Search
        <input
          type="search"
          className={`${inputClass} py-1.5`}
          placeholder="Run name"
          value={search}
          onChange={(e) => onSearch(e.target.value)}
        />
      </label>
      <Select label="Status" value={filters.status} options={runStatuses} onChange={(v) => set("status", v)} />
      <Select label="Dataset" value={filters.dataset} options={datasetIds} onChange={(v) => set("dataset", v)} />
      <Select
        label="Trainable"
        value={filters.freezeMode}
        options={freezeModes}
        onChange={(v) => set("freezeMode", v)}
      />
      <Select
        label="Init"
        value={filters.init}
        options={["pretrained", "random"] as const}
        onChange={(v) => set("init", v)}
      />
      {filters.tag || filters.projectId ? (
        <button
          type="button"
          className={buttonClass("ghost", "sm")}
          onClick={() => setFilters((f) => ({ ...f, tag: undefined, projectId: undefined }))}
        >
          {filters.tag ? `tag: ${filters.tag}` : "this project"} ✕
        </button>
      ) : null}
      <label className="ml-auto text-xs font-medium">
        Sort
        <select
          className={`${selectClass} block`}
          value={filters.sort}
          onChange={(e) => set("sort", e.target.value as RunFilters["sort"])}
        >
          <option value="created">Newest first</option>
          <option value="bestValAcc">Best val acc</option>
          <option value="name">Name</option>
        </select>
      </label>
    </search>
  );
}

function Select<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: T | undefined;
  options: readonly T[];
  onChange: (value: T | undefined) => void;
}) {
  return (
    <label className="text-xs font-medium">
      {label}
      <select
        className={`${selectClass} block`}
        value={value ?? ""}
        onChange={(e) => onChange((e.target.value || undefined) as T | undefined)}
      >
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}
