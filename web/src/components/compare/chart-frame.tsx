"use client";
import { type ReactNode, useRef, useState } from "react";
import { buttonClass } from "@/components/ui";
import { downloadPng, downloadSvg } from "@/lib/download";

/** A titled chart box of fixed height with its PNG and SVG downloads. */
export function ChartFrame({
  title,
  fileName,
  height = 300,
  testId,
  children,
}: {
  title: string;
  /** Without extension. */
  fileName: string;
  height?: number;
  testId?: string;
  children: ReactNode;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const svg = () => {
    const el = box.current?.querySelector("svg");
    if (!el) throw new Error("the chart has not been drawn yet");
    return el;
  };
  const run = async (fn: () => void | Promise<void>) => {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <figure
      className="rounded-xl border border-slate-200 bg-white p-3 text-slate-700 dark:border-slate-800 dark:bg-slate-950 dark:text-slate-300"
      data-testid={testId}
    >
      <div className="flex items-center justify-between gap-2">
        <figcaption className="text-sm font-semibold text-slate-900 dark:text-slate-100">{title}</figcaption>
        <div className="flex gap-1">
          <button
            type="button"
            className={buttonClass("ghost", "sm")}
            aria-label={`Download ${title} as PNG`}
            onClick={() => run(() => downloadPng(svg(), `${fileName}.png`))}
          >
            PNG
          </button>
          <button
            type="button"
            className={buttonClass("ghost", "sm")}
            aria-label={`Download ${title} as SVG`}
            onClick={() => run(() => downloadSvg(svg(), `${fileName}.svg`))}
          >
            SVG
          </button>
        </div>
      </div>
      <div ref={box} style={{ height }}>
        {children}
      </div>
      {error ? <p className="text-xs text-red-600">{error}</p> : null}
    </figure>
  );
}
