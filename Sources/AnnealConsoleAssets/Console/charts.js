// Small SVG charts: time series (lines or points) and parallel coordinates. Every chart has a
// text alternative (role="img" with an aria-label summing it up) next to the data tables the pages
// show anyway.
"use strict";

const Charts = (() => {
  const { svg, el } = Anneal;
  const palette = ["#1f5fbf", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e", "#a16207", "#be185d"];

  function extent(values) {
    let low = Infinity, high = -Infinity;
    for (const v of values) { if (isFinite(v)) { low = Math.min(low, v); high = Math.max(high, v); } }
    if (low === Infinity) return [0, 1];
    if (low === high) { const pad = Math.abs(low) * 0.1 || 1; return [low - pad, high + pad]; }
    return [low, high];
  }

  function ticks(low, high, count) {
    const span = high - low;
    const step0 = Math.pow(10, Math.floor(Math.log10(span / count)));
    const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= count) || step0 * 10;
    const out = [];
    for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }

  function clockLabel(epoch) {
    const d = new Date(epoch * 1000);
    return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  // series: [{ name, points: [[epochSeconds, value], ...] }]; options: { title, unit, mode: "line" | "points", yMin, yMax, extra }
  function timeSeries(series, options = {}) {
    const width = 640, height = 240, left = 56, right = 36, top = 16, bottom = 40;
    const xs = series.flatMap((s) => s.points.map((p) => p[0]));
    const ys = series.flatMap((s) => s.points.map((p) => p[1]));
    const [x0, x1] = extent(xs);
    let [y0, y1] = extent(ys);
    if (options.yMin !== undefined) y0 = Math.min(y0, options.yMin);
    if (options.yMax !== undefined) y1 = Math.max(y1, options.yMax);
    const sx = (x) => left + ((x - x0) / (x1 - x0)) * (width - left - right);
    const sy = (y) => height - bottom - ((y - y0) / (y1 - y0)) * (height - top - bottom);
    const count = ys.length;
    const summary = `${options.title || "Chart"}: ${series.length} series, ${count} points` +
      (count ? `, values from ${Anneal.number(Math.min(...ys))} to ${Anneal.number(Math.max(...ys))}` : "");
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": summary, class: "chart",
                               "data-points": String(count) });
    chart.appendChild(svg("title", {}, summary));
    const axis = svg("g", { class: "axis" });
    for (const t of ticks(y0, y1, 5)) {
      axis.appendChild(svg("line", { x1: left, x2: width - right, y1: sy(t), y2: sy(t), class: "grid" }));
      axis.appendChild(svg("text", { x: left - 6, y: sy(t) + 4, "text-anchor": "end" }, Anneal.number(t, 3)));
    }
    // Whole seconds only, each label once.
    const xTicks = ticks(x0, x1, 4).filter((t) => Number.isInteger(t));
    let lastLabel = "";
    for (const t of xTicks) {
      const label = clockLabel(t);
      if (label === lastLabel) continue;
      lastLabel = label;
      axis.appendChild(svg("text", { x: sx(t), y: height - bottom + 16, "text-anchor": "middle" }, label));
    }
    axis.appendChild(svg("line", { x1: left, x2: width - right, y1: height - bottom, y2: height - bottom, class: "frame" }));
    axis.appendChild(svg("line", { x1: left, x2: left, y1: top, y2: height - bottom, class: "frame" }));
    if (options.unit) axis.appendChild(svg("text", { x: 4, y: 12 }, options.unit));
    chart.appendChild(axis);
    series.forEach((s, index) => {
      const color = s.color || palette[index % palette.length];
      const points = s.points.filter((p) => isFinite(p[0]) && isFinite(p[1])).sort((a, b) => a[0] - b[0]);
      const mode = s.mode || options.mode || "line";
      if (mode === "line" && points.length > 1) {
        chart.appendChild(svg("polyline", { points: points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" "),
                                            fill: "none", stroke: color, "stroke-width": 2, class: "series" }));
      }
      if (mode === "points" || points.length <= 60) {
        for (const p of points) {
          const dot = svg("circle", { cx: sx(p[0]).toFixed(1), cy: sy(p[1]).toFixed(1), r: mode === "points" ? 4 : 2.5, fill: color,
                                      class: "point" });
          dot.appendChild(svg("title", {}, `${s.name}: ${Anneal.number(p[1])} at ${clockLabel(p[0])}`));
          chart.appendChild(dot);
        }
      }
    });
    const legend = el("ul", { class: "legend" }, series.map((s, index) => {
      const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.background = s.color || palette[index % palette.length];
      return el("li", {}, swatch, s.name);
    }));
    return el("figure", { class: "chart-figure" }, options.title ? el("figcaption", {}, options.title) : null, chart, legend);
  }

  // rows: [{ values: {axis: value}, objective: number, label }]; axes: [{ name, categorical?: [values] }]
  function parallelCoordinates(axes, rows, options = {}) {
    const width = Math.max(480, axes.length * 140), height = 280, top = 28, bottom = 24, side = 50;
    const step = axes.length > 1 ? (width - 2 * side) / (axes.length - 1) : 0;
    const scales = axes.map((axis) => {
      if (axis.categorical) {
        const values = axis.categorical;
        return { label: (v) => v, y: (v) => {
          const i = values.indexOf(String(v));
          return values.length < 2 ? (top + height - bottom) / 2 : height - bottom - (i / (values.length - 1)) * (height - top - bottom);
        }, ticks: values };
      }
      const [low, high] = extent(rows.map((r) => Number(r.values[axis.name])));
      return { y: (v) => height - bottom - ((Number(v) - low) / (high - low)) * (height - top - bottom), ticks: [low, high],
               label: (v) => Anneal.number(v, 3) };
    });
    const [o0, o1] = extent(rows.map((r) => r.objective));
    const colorOf = (objective) => {
      const t = (objective - o0) / (o1 - o0 || 1);
      const good = options.minimize ? 1 - t : t;
      return `hsl(${Math.round(10 + good * 200)}, 70%, 38%)`;
    };
    const summary = `Parallel coordinates of ${rows.length} trials over ${axes.map((a) => a.name).join(", ")}`;
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": summary, class: "chart parallel",
                               "data-lines": String(rows.length) });
    chart.appendChild(svg("title", {}, summary));
    for (const row of rows) {
      const points = axes.map((axis, i) => `${(side + i * step).toFixed(1)},${scales[i].y(row.values[axis.name]).toFixed(1)}`);
      const line = svg("polyline", { points: points.join(" "), fill: "none", stroke: colorOf(row.objective), "stroke-width": row.best ? 3.5 : 1.5,
                                     "stroke-opacity": row.best ? 1 : 0.75, class: row.best ? "best" : "trial" });
      line.appendChild(svg("title", {}, `${row.label}: ${Anneal.number(row.objective)}`));
      chart.appendChild(line);
    }
    axes.forEach((axis, i) => {
      const x = side + i * step;
      chart.appendChild(svg("line", { x1: x, x2: x, y1: top, y2: height - bottom, class: "frame" }));
      chart.appendChild(svg("text", { x, y: top - 10, "text-anchor": "middle", class: "axis-name" }, axis.name));
      for (const t of scales[i].ticks) {
        chart.appendChild(svg("text", { x: x + 4, y: scales[i].y(t) + 4, class: "tick" }, scales[i].label(t)));
      }
    });
    return el("figure", { class: "chart-figure" }, el("figcaption", {}, options.title || "Hyperparameters against the objective"), chart,
      el("p", { class: "note" }, options.minimize ? "Bluer lines reached a lower (better) objective; the thick line is the best trial."
                                                  : "Bluer lines reached a higher (better) objective; the thick line is the best trial."));
  }

  return { timeSeries, parallelCoordinates };
})();
