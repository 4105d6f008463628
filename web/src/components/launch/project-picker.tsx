"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { buttonClass, inputClass } from "@/components/ui";
import { useTRPC } from "@/trpc/client";

/** The project a launch goes to, with a way to make a new one in place. */
export function ProjectPicker({ value, onChange }: { value: string; onChange: (projectId: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const projects = useQuery(trpc.projects.list.queryOptions());
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState("");
  const create = useMutation(
    trpc.projects.create.mutationOptions({
      onSuccess: async (project) => {
        await queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() });
        onChange(project.id);
        setAdding(false);
        setName("");
      },
    }),
  );
  const selected = value || projects.data?.[0]?.id || "";
  return (
    <div>
      <label htmlFor="projectId" className="block text-sm font-medium">
        Project
      </label>
      <div className="flex gap-2">
        <select
          id="projectId"
          className={inputClass}
          value={selected}
          onChange={(e) => onChange(e.target.value)}
          disabled={projects.isPending}
        >
          {(projects.data ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <button type="button" className={`${buttonClass("secondary", "sm")} mt-1`} onClick={() => setAdding((a) => !a)}>
          New
        </button>
      </div>
      {adding ? (
        <div className="mt-2 flex gap-2">
          <input
            aria-label="New project name"
            className={inputClass}
            value={name}
            maxLength={100}
            placeholder="e.g. transfer study"
            onChange={(e) => setName(e.target.value)}
          />
          <button
            type="button"
            className={`${buttonClass("primary", "sm")} mt-1`}
            disabled={create.isPending || name.trim() === ""}
            onClick={() => create.mutate({ name })}
          >
            Create
          </button>
        </div>
      ) : null}
      {create.error ? <p className="mt-1 text-xs text-red-600 dark:text-red-400">{create.error.message}</p> : null}
      {projects.error ? <p className="mt-1 text-xs text-red-600 dark:text-red-400">{projects.error.message}</p> : null}
    </div>
  );
}
