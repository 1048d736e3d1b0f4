import { LineSeries } from "lightweight-charts";
import { useEffect, useRef } from "react";
import { createTradingChart, seconds } from "../../components/chart";
import type { ComparedTest } from "./api";

/** The tests' equity curves on one chart and one time axis, each in its column's colour. */
export function CompareChart({ tests, colors }: { tests: ComparedTest[]; colors: string[] }) {
  const container = useRef<HTMLDivElement>(null);
  const drawn = tests.filter((test) => test.equity_curve);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const chart = createTradingChart(element);
    let lines = 0;
    tests.forEach((test, i) => {
      const curve = test.equity_curve;
      if (!curve) return;
      const line = chart.addSeries(LineSeries, {
        color: colors[i % colors.length],
        lineWidth: 2,
        title: String(i + 1),
      });
      line.setData(curve.time.map((time, j) => ({ time: seconds(time), value: curve.equity[j] as number })));
      lines += 1;
    });
    element.dataset.lines = String(lines);
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [tests, colors]);

  if (drawn.length === 0) return <p className="muted">None of these tests has an equity curve.</p>;
  return (
    <>
      <ul className="compare-legend" aria-label="Legend">
        {tests.map((test, i) => (
          <li key={test.id} className={test.equity_curve ? "" : "muted"}>
            <span className="swatch" style={{ background: colors[i % colors.length] }} aria-hidden="true" />
            {i + 1}. {test.test_name || test.strategy.name}
            {!test.equity_curve && " (no curve)"}
          </li>
        ))}
      </ul>
      <div className="compare-chart" ref={container} data-testid="compare-chart" />
    </>
  );
}
