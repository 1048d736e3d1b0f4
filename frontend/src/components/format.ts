// How figures read in the pages: percentages and ratios with two decimals, money with two, durations in
// days and hours, times in the user's locale. A missing or non-finite figure is "–".

export function num(value: unknown, digits = 2): string {
  return typeof value === "number" && Number.isFinite(value)
    ? value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "–";
}

export function pct(value: unknown, digits = 2): string {
  const text = num(value, digits);
  return text === "–" ? text : `${text} %`;
}

export function money(value: unknown): string {
  return num(value, 2);
}

export function duration(seconds: unknown): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "–";
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.round((seconds % 3_600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  return `${minutes} min`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "–";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function signClass(value: unknown): string {
  return typeof value === "number" && Number.isFinite(value) && value !== 0
    ? value > 0
      ? "pos"
      : "neg"
    : "";
}
