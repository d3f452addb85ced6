// A time-series chart drawn by uPlot (canvas: tens of thousands of points stay fast).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

import type { ChartData } from "../lib/series";

const COLORS = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];

export interface UsageChartProps {
  data: ChartData;
  title: string;
  unit?: string | null;
  timeZone?: string;
  height?: number;
  bars?: boolean;
}

export function UsageChart({ data, title, unit, timeZone, height = 280, bars = false }: UsageChartProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element || data.x.length === 0) return;
    const width = Math.max(element.clientWidth, 320);
    const paths = bars ? uPlot.paths.bars?.({ size: [0.7, 40] }) : undefined;
    const plot = new uPlot(
      {
        width,
        height,
        tzDate: timeZone ? (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone) : undefined,
        // bars grow from zero: an axis that starts elsewhere would misstate their heights
        scales: bars
          ? { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(0, max)] } }
          : { x: { time: true } },
        axes: [{}, { label: unit ?? undefined, size: 70 }],
        series: [
          {},
          ...data.series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            fill: bars ? `${COLORS[i % COLORS.length]}55` : undefined,
            width: 2,
            paths,
            spanGaps: false,
            points: { show: data.x.length <= 60 },
          })),
        ],
        hooks: {
          ready: [
            () => {
              element.dataset.rendered = "true";
              performance.mark("metergraph:chart-rendered");
            },
          ],
        },
      },
      [data.x, ...data.series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 320), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      delete element.dataset.rendered;
    };
  }, [data, height, unit, timeZone, bars]);
  return (
    <figure className="chart">
      <div
        ref={host}
        className="chart-canvas"
        role="img"
        aria-label={`${title}: ${data.series.length} series over ${data.x.length} periods`}
      />
      <figcaption className="visually-hidden">{title}</figcaption>
    </figure>
  );
}
