import { useEffect, useId, useState } from "react";
import { ErrorAlert } from "../../components/ErrorAlert";
import { formatMetric, metricLabel } from "../../components/metrics";
import { getHeatmap, type Heatmap as HeatmapData, type QuickTest, type SweepSummary } from "./api";

/** Red (worst) through yellow to green (best), lighter at the ends' middle so the figures stay legible. */
function heatColor(share: number): string {
  const hue = Math.round(120 * share);
  return `hsl(${hue} 70% ${Math.round(72 - 18 * Math.abs(share - 0.5))}%)`;
}

/** The objective over two swept parameters, each cell the best over the other parameters' values. */
export function Heatmap({ test, sweep }: { test: QuickTest; sweep: SweepSummary }) {
  const id = useId();
  const swept = Object.keys(sweep.parameters).filter((name) => (sweep.parameters[name]?.length ?? 0) > 1);
  const [x, setX] = useState(swept[0] ?? "");
  const [y, setY] = useState(swept[1] ?? "");
  const [map, setMap] = useState<HeatmapData | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!x || !y || x === y) return;
    let live = true;
    setError(null);
    getHeatmap(test.id, x, y).then(
      (answer) => live && setMap(answer),
      (caught) => live && setError(caught),
    );
    return () => {
      live = false;
    };
  }, [test.id, x, y]);

  if (swept.length < 2) return null;
  const metric = sweep.objective.metric;
  const finite = (map?.z.flat() ?? []).filter((v): v is number => typeof v === "number");
  // Coloured by rank, not by value: one far-off cell would otherwise wash every other cell out.
  const ranked = [...new Set(finite)].sort((a, b) => a - b);
  const low = ranked[0] as number;
  const high = ranked[ranked.length - 1] as number;
  const share = (value: number) => {
    const s = ranked.length > 1 ? ranked.indexOf(value) / (ranked.length - 1) : 1;
    return sweep.objective.goal === "min" ? 1 - s : s;
  };
  const rows = map ? map.y_values.map((value, j) => ({ value, cells: map.z[j] ?? [] })).reverse() : [];

  return (
    <section className="card sweep-heatmap" aria-labelledby={`${id}-title`}>
      <div className="sweep-section-head">
        <h2 id={`${id}-title`}>Heatmap</h2>
        <div className="sweep-axes">
          <label htmlFor={`${id}-x`}>Across</label>
          <select id={`${id}-x`} value={x} onChange={(event) => setX(event.target.value)}>
            {swept.map((name) => (
              <option key={name} value={name} disabled={name === y}>
                {name}
              </option>
            ))}
          </select>
          <label htmlFor={`${id}-y`}>Up</label>
          <select id={`${id}-y`} value={y} onChange={(event) => setY(event.target.value)}>
            {swept.map((name) => (
              <option key={name} value={name} disabled={name === x}>
                {name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="muted small">
        {metricLabel(metric)} of each pair of values; where other parameters vary too, the cell shows the best
        of them. Greener is better (coloured by rank).
      </p>
      <ErrorAlert error={error} />
      {map && map.x === x && map.y === y && (
        <div className="heatmap-scroll">
          <table className="sweep-heatmap-table" data-testid="heatmap" data-x={x} data-y={y}>
            <tbody>
              {rows.map((row) => (
                <tr key={String(row.value)}>
                  <th scope="row">{String(row.value)}</th>
                  {row.cells.map((value, i) => {
                    const xValue = String(map.x_values[i]);
                    const label = `${x} ${xValue}, ${y} ${row.value}: ${formatMetric(metric, value)}`;
                    return (
                      <td
                        key={xValue}
                        className={value === null ? "heat-empty" : undefined}
                        style={value === null ? undefined : { backgroundColor: heatColor(share(value)) }}
                        title={label}
                        aria-label={label}
                        data-testid="heat-cell"
                        data-x={xValue}
                        data-y={String(row.value)}
                        data-value={value ?? ""}
                      >
                        {value === null ? "" : formatMetric(metric, value)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="col" className="heatmap-corner">
                  {y} ↑ / {x} →
                </th>
                {map.x_values.map((value) => (
                  <th scope="col" key={String(value)}>
                    {String(value)}
                  </th>
                ))}
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      {finite.length > 0 && (
        <p className="heatmap-legend small muted">
          <span className="heatmap-swatch heatmap-swatch-worst" />{" "}
          {formatMetric(metric, sweep.objective.goal === "min" ? high : low)}
          <span className="heatmap-swatch heatmap-swatch-best" />{" "}
          {formatMetric(metric, sweep.objective.goal === "min" ? low : high)}
        </p>
      )}
    </section>
  );
}
