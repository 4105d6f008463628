"use client";
import { useEffect, useState } from "react";

type Theme = "system" | "light" | "dark";
const storageKey = "ai623-theme";

/** Runs before the first paint (inlined in the root layout) so a dark page never flashes white. */
export const themeScript = `(function(){try{var t=localStorage.getItem("${storageKey}")||"system";var d=t==="dark"||(t==="system"&&matchMedia("(prefers-color-scheme: dark)").matches);document.documentElement.classList.toggle("dark",d);}catch(e){}})()`;

function apply(theme: Theme) {
  const dark = theme === "dark" || (theme === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.classList.toggle("dark", dark);
}

/** Light, dark, or whatever the system prefers (the default), remembered in this browser. */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>("system");
  useEffect(() => {
    setTheme((localStorage.getItem(storageKey) as Theme | null) ?? "system");
  }, []);
  useEffect(() => {
    if (theme !== "system") return;
    const media = matchMedia("(prefers-color-scheme: dark)");
    const follow = () => apply("system");
    media.addEventListener("change", follow);
    return () => media.removeEventListener("change", follow);
  }, [theme]);
  return (
    <label className="text-xs">
      <span className="sr-only">Colour theme</span>
      <select
        className="rounded-md border border-slate-300 bg-transparent px-1.5 py-1 text-xs dark:border-slate-700"
        value={theme}
        onChange={(e) => {
          const next = e.target.value as Theme;
          setTheme(next);
          localStorage.setItem(storageKey, next);
          apply(next);
        }}
      >
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
