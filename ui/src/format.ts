import type { Value } from "./api";

// "2026-11-27 04:43:19" in UTC, as the CLI prints times.
export function formatTime(ms: number): string {
  if (!ms) return "";
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

export function formatDuration(ms: number): string {
  if (!ms || ms <= 0) return "";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(2)} s`;
  const m = Math.floor(ms / 60000);
  return `${m} min ${Math.round((ms % 60000) / 1000)} s`;
}

export function formatValue(v: Value | undefined): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export function propText(props: Record<string, Value>, name: string): string {
  return formatValue(props[name]);
}

// Numbers as the CLI prints them (six significant digits); "" for null or NaN.
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  return Number(v.toPrecision(6)).toString();
}

export function formatPercent(share: number): string {
  return `${(100 * share).toFixed(1)}%`;
}
