import { LineSeries } from "lightweight-charts";
import { useEffect, useId, useRef } from "react";
import { createTradingChart, seconds } from "../../components/chart";
import { num, when } from "../../components/format";
import { formatMetric, metricLabel } from "../../components/metrics";
import { type Curve, combinationText, type SweepSummary, type WalkForward, type Window } from "./api";

/** A window's first and last bars' times (sweeps stored before those were kept have the bar numbers only),
 * each kept on one line: on a narrow screen the two stack. */
function WindowCell({ window, testId }: { window: Window; testId?: string }) {
  const bars = `bars ${window.start_bar.toLocaleString()}–${(window.stop_bar - 1).toLocaleString()}`;
  if (!window.start || !window.end) return <td data-testid={testId}>{bars}</td>;
  return (
    <td className="fold-window" data-testid={testId} title={bars}>
      <span>{when(window.start)} →</span> <span>{when(window.end)}</span>
    </td>
  );
}

/** Each fold's in-sample choice and how it did on the bars after; the out-of-sample runs stitched together. */
export function WalkForwardSection({
  walkForward,
  sweep,
}: {
  walkForward: WalkForward;
  sweep: SweepSummary;
}) {
  const id = useId();
  const metric = sweep.objective.metric;
  const efficiency = walkForward.efficiency;
  const oos = walkForward.out_of_sample;
  return (
    <section className="card sweep-walk-forward" aria-labelledby={`${id}-title`} data-testid="walk-forward">
      <div className="sweep-section-head">
        <h2 id={`${id}-title`}>Walk-forward</h2>
        <p className="muted small" data-testid="wf-efficiency">
          Walk-forward efficiency <strong>{num(efficiency.value)}</strong>
          {efficiency.reason
            ? ` (${efficiency.reason})`
            : " (out-of-sample over in-sample annualised return)"}
        </p>
      </div>
      <div className="table-scroll">
        <table className="table" data-testid="folds">
          <thead>
            <tr>
              <th scope="col">Fold</th>
              <th scope="col">In sample</th>
              <th scope="col">Out of sample</th>
              <th scope="col">Chosen parameters</th>
              <th scope="col" className="numeric">
                {metricLabel(metric)} in
              </th>
              <th scope="col" className="numeric">
                {metricLabel(metric)} out
              </th>
              <th scope="col" className="numeric">
                Return in
              </th>
              <th scope="col" className="numeric">
                Return out
              </th>
              <th scope="col" className="numeric">
                Efficiency
              </th>
            </tr>
          </thead>
          <tbody>
            {walkForward.folds.map((fold, k) => (
              <tr key={fold.fold} data-testid="fold-row">
                <td>{fold.fold}</td>
                <WindowCell window={fold.in_sample} />
                <WindowCell window={fold.out_of_sample} testId="fold-oos" />
                <td>{combinationText(fold.parameters)}</td>
                <td className="numeric">{formatMetric(metric, fold.in_sample_metrics[metric])}</td>
                <td className="numeric">{formatMetric(metric, fold.out_of_sample_metrics[metric])}</td>
                <td className="numeric">{formatMetric("return_pct", fold.in_sample_metrics.return_pct)}</td>
                <td className="numeric">
                  {formatMetric("return_pct", fold.out_of_sample_metrics.return_pct)}
                </td>
                <td className="numeric">{num(efficiency.per_fold[k])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {oos.equity_curve && (
        <>
          <h3>Out of sample, stitched</h3>
          {oos.metrics && (
            <p className="muted small" data-testid="oos-metrics">
              Return {formatMetric("return_pct", oos.metrics.return_pct)} · Sharpe{" "}
              {formatMetric("sharpe_ratio", oos.metrics.sharpe_ratio)} · max drawdown{" "}
              {formatMetric("max_drawdown_pct", oos.metrics.max_drawdown_pct)} ·{" "}
              {formatMetric("trades", oos.metrics.trades)} trades
            </p>
          )}
          <EquityChart curve={oos.equity_curve} />
        </>
      )}
    </section>
  );
}

function EquityChart({ curve }: { curve: Curve }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current || !curve.equity) return;
    const chart = createTradingChart(element.current);
    const series = chart.addSeries(LineSeries, { color: "#2563eb", lineWidth: 2, priceLineVisible: false });
    const equity = curve.equity;
    series.setData(curve.time.map((time, i) => ({ time: seconds(time), value: equity[i] as number })));
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [curve]);
  return (
    <div
      ref={element}
      className="sweep-oos-chart"
      data-testid="oos-chart"
      data-points={curve.time.length}
      role="img"
      aria-label="Out-of-sample equity, stitched"
    />
  );
}
