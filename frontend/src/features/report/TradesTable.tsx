import { useEffect, useMemo, useState } from "react";
import { duration, money, num, pct, when } from "../../components/format";
import { Pager } from "../../components/Pager";
import type { Trade } from "./api";
import { reasonText } from "./ChartLegend";

type Key = keyof Trade;
const COLUMNS: { key: Key; label: string; render: (t: Trade) => string; numeric?: boolean }[] = [
  { key: "entry_time", label: "Entry", render: (t) => when(t.entry_time) },
  { key: "exit_time", label: "Exit", render: (t) => when(t.exit_time) },
  { key: "side", label: "Side", render: (t) => t.side },
  { key: "entry_price", label: "Entry price", render: (t) => num(t.entry_price, 4), numeric: true },
  { key: "exit_price", label: "Exit price", render: (t) => num(t.exit_price, 4), numeric: true },
  { key: "size", label: "Size", render: (t) => num(t.size, 4), numeric: true },
  { key: "pnl", label: "P&L", render: (t) => money(t.pnl), numeric: true },
  { key: "return_pct", label: "Return", render: (t) => pct(t.return_pct), numeric: true },
  { key: "commission", label: "Commission", render: (t) => money(t.commission), numeric: true },
  { key: "duration_seconds", label: "Duration", render: (t) => duration(t.duration_seconds), numeric: true },
  { key: "exit_reason", label: "Exit reason", render: (t) => reasonText(t.exit_reason) },
];
const PAGE = 50;

function csv(trades: Trade[]): string {
  const keys = COLUMNS.map((c) => c.key);
  const quote = (value: unknown) => {
    const text = String(value ?? "");
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [keys.join(","), ...trades.map((t) => keys.map((k) => quote(t[k])).join(","))].join("\n");
}

type Props = { trades: Trade[]; total: number; onPick: (trade: Trade) => void; filename: string };

/** The list of trades: sortable, filtered by side and exit reason; a row click shows the trade on the chart. */
export function TradesTable({ trades, total, onPick, filename }: Props) {
  const [sort, setSort] = useState<{ key: Key; descending: boolean }>({
    key: "entry_time",
    descending: false,
  });
  const [side, setSide] = useState("");
  const [reason, setReason] = useState("");
  const [page, setPage] = useState(0);
  const reasons = useMemo(() => [...new Set(trades.map((t) => t.exit_reason))].sort(), [trades]);

  const shown = useMemo(() => {
    const kept = trades.filter((t) => (!side || t.side === side) && (!reason || t.exit_reason === reason));
    const { key, descending } = sort;
    return [...kept].sort((a, b) => {
      const x = a[key];
      const y = b[key];
      // The text columns are ISO times and lower-case names, in the same order by code unit as by locale;
      // localeCompare is some 4 times slower (about 28 ms against 8 for 20,000 trades, in Node).
      const order =
        typeof x === "number" && typeof y === "number" ? x - y : String(x) < String(y) ? -1 : x === y ? 0 : 1;
      return descending ? -order : order;
    });
  }, [trades, side, reason, sort]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const current = Math.min(page, pages - 1);
  // The file is made when the link is clicked (before the browser follows it), not on each sort or filter.
  const [download, setDownload] = useState("");
  useEffect(() => () => URL.revokeObjectURL(download), [download]);
  const exportCsv = (event: React.MouseEvent<HTMLAnchorElement>) => {
    const url = URL.createObjectURL(new Blob([csv(shown)], { type: "text/csv" }));
    event.currentTarget.href = url;
    setDownload(url);
  };

  if (trades.length === 0) return <p className="muted">This test made no trades.</p>;
  return (
    <div>
      <div className="toolbar">
        <label className="inline">
          Side{" "}
          <select
            value={side}
            onChange={(e) => {
              setSide(e.target.value);
              setPage(0);
            }}
          >
            <option value="">all</option>
            <option value="long">long</option>
            <option value="short">short</option>
          </select>
        </label>
        <label className="inline">
          Exit reason{" "}
          <select
            value={reason}
            onChange={(e) => {
              setReason(e.target.value);
              setPage(0);
            }}
          >
            <option value="">all</option>
            {reasons.map((r) => (
              <option key={r} value={r}>
                {reasonText(r)}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">
          {shown.length.toLocaleString()} of {total.toLocaleString()} trades
          {trades.length < total ? ` (the first ${trades.length.toLocaleString()} loaded)` : ""}
        </span>
        <a className="button button-small" href={download || "#"} download={filename} onClick={exportCsv}>
          Export CSV
        </a>
      </div>
      <div className="table-scroll">
        <table className="table trades" data-testid="trades">
          <thead>
            <tr>
              {COLUMNS.map((column) => (
                <th
                  key={column.key}
                  scope="col"
                  className={column.numeric ? "numeric" : ""}
                  aria-sort={
                    sort.key === column.key ? (sort.descending ? "descending" : "ascending") : "none"
                  }
                >
                  <button
                    type="button"
                    className="sort"
                    onClick={() =>
                      setSort({ key: column.key, descending: sort.key === column.key && !sort.descending })
                    }
                  >
                    {column.label}
                    {sort.key === column.key ? (sort.descending ? " ▾" : " ▴") : ""}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.slice(current * PAGE, current * PAGE + PAGE).map((trade) => (
              <tr
                key={`${trade.entry_bar}-${trade.exit_bar}-${trade.side}`}
                data-testid="trade-row"
                className={`clickable trade-${trade.pnl >= 0 ? "win" : "loss"}`}
                onClick={() => onPick(trade)}
              >
                {COLUMNS.map((column) => (
                  <td key={column.key} className={column.numeric ? "numeric" : ""}>
                    {column.render(trade)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager page={current + 1} pages={pages} onPage={(next) => setPage(next - 1)} label="Trade pages" />
    </div>
  );
}
