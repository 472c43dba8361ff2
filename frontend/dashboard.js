// Agency dashboard charts: SVG drawn with Observable Plot from the numbers the server put in
// the page (#dashboard-drawing). The server also renders every chart's table, so the page
// reads without JavaScript; this script adds the charts, the table toggle and the SVG/PNG
// downloads. No number is computed here: the page, its tables and the CSVs share one source.
import * as Plot from "@observablehq/plot";

// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), darkened
// where needed for 3:1 contrast against white; series also differ by symbol and label.
const PALETTE = ["#0072B2", "#C84E00", "#007A5A", "#B0468C", "#8A6100", "#3B7EA1", "#5E3C99",
  "#555555"];
const SYMBOLS = ["circle", "square", "triangle", "diamond", "star", "cross", "wye", "times"];
const TOTAL_COLOUR = "#000000";

function formatter(kind) {
  if (kind === "int") return (v) => v.toLocaleString("en-US");
  if (kind === "signed_pct") return (v) => `${v > 0 ? "+" : ""}${v.toFixed(1)}%`;
  return (v) => `${v.toFixed(1)}%`;
}

function seriesOrder(points, key) {
  return [...new Set(points.map((p) => p[key]))];
}

function colourScale(domain) {
  return {
    domain,
    range: domain.map((name, i) => (name === "Total" ? TOTAL_COLOUR : PALETTE[i % PALETTE.length])),
  };
}

// Counts are whole numbers: no "0.5 stops" ticks.
function countTicks(kind) {
  return kind === "int" ? (v) => (Number.isInteger(v) ? v.toLocaleString("en-US") : "") : undefined;
}

function axisLabel(kind) {
  if (kind === "int") return "Count";
  if (kind === "signed_pct") return "Difference from the comparison group (%)";
  return "Percent";
}

function drawBars(chart, width) {
  const fmt = formatter(chart.kind);
  const labels = seriesOrder(chart.points, "label");
  const points = chart.points.filter((p) => p.value !== null);
  return Plot.plot({
    width,
    height: 40 + labels.length * 34,
    marginLeft: Math.min(170, width * 0.34, 12 + 7.5 * Math.max(...labels.map((l) => l.length))),
    marginRight: 60,
    x: {label: axisLabel(chart.kind), grid: true, nice: true, tickFormat: countTicks(chart.kind)},
    y: {label: null, domain: labels},
    color: colourScale(labels),
    marks: [
      Plot.barX(points, {x: "value", y: "label", fill: "label"}),
      Plot.text(points, {x: "value", y: "label", text: (d) => fmt(d.value), dx: 4,
        textAnchor: "start", fill: "#1b1f24"}),
      Plot.ruleX([0]),
    ],
  });
}

function drawLines(chart, width, year, shown) {
  const domain = chart.series;
  const points = chart.points.filter((p) => shown.has(p.series) && p.value !== null);
  const last = domain.filter((s) => shown.has(s)).map((s) => {
    const ofSeries = points.filter((p) => p.series === s);
    return ofSeries[ofSeries.length - 1];
  }).filter(Boolean);
  const years = seriesOrder(chart.points, "x");
  return Plot.plot({
    width,
    height: width < 500 ? 300 : 380,
    marginRight: width < 500 ? 100 : 120,
    x: {label: chart.xLabel || "Year", tickFormat: "d",
      ticks: years.length > 12 ? undefined : years},
    y: {label: axisLabel(chart.kind), grid: true, tickFormat: chart.kind === "int" ? "s" : (v) => `${v}%`},
    color: colourScale(domain),
    symbol: {domain, range: domain.map((_, i) => SYMBOLS[i % SYMBOLS.length])},
    marks: [
      Plot.ruleY([0]),
      year ? Plot.ruleX([year], {stroke: "#6b7280", strokeDasharray: "4,3"}) : null,
      Plot.line(points, {x: "x", y: "value", z: "series", stroke: "series", strokeWidth: 2}),
      Plot.dot(points, {x: "x", y: "value", stroke: "series", fill: "series", symbol: "series", r: 3.5}),
      Plot.text(last, {x: "x", y: "value", text: "series", dx: 8, textAnchor: "start", fill: "series"}),
    ],
  });
}

function drawGrouped(chart, width) {
  const fmt = formatter(chart.kind);
  const groups = seriesOrder(chart.points, "group");
  const series = chart.series;
  const points = chart.points.filter((p) => p.value !== null);
  // Each group (stop purpose, search type) is a band titled above its bars; every bar is
  // labelled with its group and value, so no colour has to be decoded.
  return Plot.plot({
    width,
    height: 40 + groups.length * (series.length * 17 + 34),
    marginTop: 26,
    marginLeft: Math.min(190, width * 0.36, 12 + 7 * Math.max(...series.map((l) => l.length))),
    marginRight: 70,
    x: {label: axisLabel(chart.kind), grid: true, nice: true, tickFormat: countTicks(chart.kind)},
    fy: {axis: null, domain: groups, padding: 0.32},
    y: {label: null, domain: series},
    color: colourScale(series),
    marks: [
      Plot.barX(points, {x: "value", y: "series", fy: "group", fill: "series"}),
      Plot.text(points, {x: (d) => Math.max(d.value, 0), y: "series", fy: "group",
        text: (d) => fmt(d.value), dx: 4, textAnchor: "start", fill: "#1b1f24"}),
      Plot.text(groups, {fy: (d) => d, text: (d) => d, frameAnchor: "top-left", dy: -16,
        dx: -4, fontWeight: "bold", fontSize: 13, fill: "#1b1f24"}),
      Plot.ruleX([0]),
    ],
    style: {fontSize: "12px"},
  });
}

function legend(figure, chart, shown, redraw) {
  const domain = chart.series;
  const colours = colourScale(domain);
  const box = document.createElement("fieldset");
  box.className = "series-legend";
  box.innerHTML = "<legend>Series shown</legend>";
  domain.forEach((name, i) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.checked = shown.has(name);
    input.addEventListener("change", () => {
      if (input.checked) shown.add(name); else shown.delete(name);
      redraw();
    });
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = colours.range[i];
    swatch.setAttribute("aria-hidden", "true");
    swatch.dataset.symbol = SYMBOLS[i % SYMBOLS.length];
    label.append(input, swatch, document.createTextNode(name));
    box.appendChild(label);
  });
  figure.querySelector("[data-plot]").before(box);
}

function svgText(svg) {
  const copy = svg.cloneNode(true);
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  copy.setAttribute("font-family", "system-ui, sans-serif");
  copy.style.background = "#fff";
  return new XMLSerializer().serializeToString(copy);
}

function save(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.appendChild(link);
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
}

function download(figure, format) {
  const svg = figure.querySelector("[data-plot] svg");
  if (!svg) return;
  const base = `${document.body.dataset.slug || "chart"}-${figure.dataset.chart}`;
  const text = svgText(svg);
  if (format === "svg") {
    save(new Blob([text], {type: "image/svg+xml"}), `${base}.svg`);
    return;
  }
  // The drawing's own size: the chart may be hidden behind its table view.
  const width = Number(svg.getAttribute("width"));
  const height = Number(svg.getAttribute("height"));
  const image = new Image();
  image.onerror = () => window.alert("The PNG could not be made in this browser; try the SVG.");
  image.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = Math.ceil(width * 2);
    canvas.height = Math.ceil(height * 2);
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    canvas.toBlob((blob) => save(blob, `${base}.png`), "image/png");
  };
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
}

function setupChart(figure, chart, year, width) {
  const plot = figure.querySelector("[data-plot]");
  const table = figure.querySelector(".chart-table");
  const toggle = figure.querySelector("[data-toggle-table]");
  const shown = new Set(chart.shown && chart.shown.length ? chart.shown : chart.series);
  const draw = (plotWidth) => {
    let svg;
    if (chart.mark === "hbar") svg = drawBars(chart, plotWidth);
    else if (chart.mark === "lines") svg = drawLines(chart, plotWidth, year, shown);
    else svg = drawGrouped(chart, plotWidth);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", chart.title);
    plot.replaceChildren(svg);
  };
  const redraw = () => draw(Math.max(300, plot.clientWidth));
  if (chart.mark === "lines") legend(figure, chart, shown, redraw);
  draw(width);
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const showTable = !figure.classList.contains("table-open");
    figure.classList.toggle("table-open", showTable);
    plot.hidden = showTable;
    toggle.textContent = showTable ? "Show chart" : "Show table";
    toggle.setAttribute("aria-expanded", showTable ? "true" : "false");
  });
  figure.querySelectorAll("[data-download]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => download(figure, button.dataset.download));
  });
  return redraw;
}

function main() {
  const started = performance.now();
  const source = document.getElementById("dashboard-drawing");
  if (!source) return;
  const drawing = JSON.parse(source.textContent);
  const figures = [...document.querySelectorAll("figure[data-chart]")]
    .filter((figure) => drawing.charts[figure.dataset.chart] && figure.querySelector("[data-plot]"));
  // Every width is read before anything is drawn: one layout instead of one per chart.
  const widths = figures.map((figure) => Math.max(300, figure.querySelector("[data-plot]").clientWidth));
  const redraws = figures.map((figure, i) =>
    setupChart(figure, drawing.charts[figure.dataset.chart], drawing.year, widths[i]));
  const year = document.getElementById("year");
  if (year) {
    // Empty fields stay out of the address, so shared links are short and canonical.
    year.form.addEventListener("submit", () => {
      year.form.querySelectorAll("select, input").forEach((field) => {
        if (!field.value) field.disabled = true;
      });
    });
    year.addEventListener("change", () => year.form.requestSubmit());
  }
  let lastWidth = window.innerWidth;
  let timer = null;
  window.addEventListener("resize", () => {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    clearTimeout(timer);
    timer = setTimeout(() => redraws.forEach((redraw) => redraw()), 150);
  });
  document.body.dataset.drawnMs = String(Math.round(performance.now()));
  document.body.dataset.scriptMs = String(Math.round(performance.now() - started));
  document.body.dataset.drawn = "true";
}

main();
