// Inspection statistics charts (ECharts, vendored): findings and finding rate per rule, agent, unit, channel,
// product. An enhancement: without JS (or ECharts) the containers stay empty and the tables hold the numbers.
(function () {
  "use strict";
  var source = document.getElementById("inspection-chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var care = document.documentElement.classList.contains("care-mode");
  var fontSize = care ? 20 : 12;
  var text = { fontSize: fontSize };
  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var d = data[node.getAttribute("data-chart")];
    if (!d || !d.labels.length) { node.style.display = "none"; return; }
    var chart = echarts.init(node);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, textStyle: text },
      legend: { top: 0, textStyle: text },
      grid: { left: 8, right: 24, bottom: 8, top: care ? 64 : 40, containLabel: true },
      xAxis: { type: "category", data: d.labels, axisLabel: { fontSize: fontSize, interval: 0, rotate: d.labels.length > 5 ? 30 : 0 } },
      yAxis: [
        { type: "value", minInterval: 1, axisLabel: text },
        { type: "value", min: 0, axisLabel: { fontSize: fontSize, formatter: "{value}%" }, splitLine: { show: false } }
      ],
      series: [
        { name: d.names.findings, type: "bar", data: d.findings },
        { name: d.names.rate, type: "line", yAxisIndex: 1, data: d.rate, connectNulls: true }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
