// How figures read in the pages: percentages and ratios with two decimals, money with two, durations in
// days and hours, times in the user's locale. A missing or non-finite figure is "–".

// The formatters are made once and kept: toLocaleString with options makes one on every call, which in a
// report's tables (hundreds of cells) cost some 100 ms.
const numbers = new Map<number, Intl.NumberFormat>();
const moments = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function num(value: unknown, digits = 2): string {
  if (typeof value !== "number" || !Number.isFinite(value)) return "–";
  let format = numbers.get(digits);
  if (!format) {
    format = new Intl.NumberFormat(undefined, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    numbers.set(digits, format);
  }
  return format.format(value);
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
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "Invalid Date" : moments.format(date); // as toLocaleString says it
}

export function signClass(value: unknown): string {
  return typeof value === "number" && Number.isFinite(value) && value !== 0
    ? value > 0
      ? "pos"
      : "neg"
    : "";
}
