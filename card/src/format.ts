// Numbers and times as a row shows them: pure, unit-tested.

/** "42 s", "5 min", "3 h 05 min", "2 d 4 h": compact, for a chip. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  const d = Math.floor(h / 24);
  return `${d} d ${h % 24} h`;
}

/** Time since an ISO timestamp, as formatDuration; "" when unknown. */
export function timeInState(since: string | null | undefined, now: number): string {
  const t = since ? Date.parse(since) : NaN;
  return Number.isNaN(t) ? "" : formatDuration(now - t);
}

export function formatCost(cost: number, language = "en"): string {
  if (!cost) return "";
  return new Intl.NumberFormat(language, {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: cost < 1 ? 3 : 2,
    maximumFractionDigits: cost < 1 ? 3 : 2,
  }).format(cost);
}

/** 1234 → "1.2k", 2500000 → "2.5M". */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** Percentage of the context window in use, or null when unknown. */
export function contextPercent(used: number | null, limit: number | null): number | null {
  if (used === null || !limit) return null;
  return Math.min(100, Math.round((used / limit) * 100));
}

/** A plan's progress as the row shows it ("3/7"), or "" with nothing to do (no plan, or all cancelled). */
export function planProgress(session: { todo_done: number; todo_total: number }): string {
  return session.todo_total > 0 ? `${session.todo_done}/${session.todo_total}` : "";
}
