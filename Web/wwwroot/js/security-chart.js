// Draws the security dashboard's chart from its table of counts, which stays the script-free, accessible
// source of the numbers; colours come from the theme's CSS variables, the time axis runs right to left in RTL.
(() => {
  const table = document.getElementById("security-counts");
  const holder = document.getElementById("security-chart");
  if (!table || !holder || !window.echarts) return;
  const style = getComputedStyle(document.documentElement);
  const css = (name) => style.getPropertyValue(name).trim();
  const rtl = document.documentElement.dir === "rtl";
  const columns = [...table.querySelectorAll("thead th[data-series]")];
  const rows = [...table.querySelectorAll("tbody tr")];
  const series = columns.map((column, index) => ({
    name: column.textContent.trim(),
    type: "bar",
    stack: "events",
    itemStyle: { color: css(column.dataset.colour) },
    data: rows.map((row) => Number(row.querySelectorAll("td")[index].dataset.value)),
  }));

  holder.hidden = false;
  const chart = echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    aria: { enabled: true },
    textStyle: { color: css("--fg") },
    tooltip: { trigger: "axis" },
    legend: { top: 0, textStyle: { color: css("--fg") } },
    grid: { containLabel: true, left: 8, right: 8, bottom: 8, top: 40 },
    xAxis: {
      type: "category",
      inverse: rtl,
      data: rows.map((row) => row.querySelector("th").textContent.trim()),
      axisLabel: { color: css("--muted") },
    },
    yAxis: {
      type: "value",
      minInterval: 1,
      position: rtl ? "right" : "left",
      axisLabel: { color: css("--muted") },
      splitLine: { lineStyle: { color: css("--line") } },
    },
    series,
  });
  holder.dataset.drawn = "true";
  window.addEventListener("resize", () => chart.resize());
  // The chart shows the numbers now; the table stays one click away.
  const details = table.closest("details");
  if (details) details.open = false;
})();
