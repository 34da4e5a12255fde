// Coverage charts (ECharts, vendored). An enhancement: the tables under each chart hold the same numbers.
(function () {
  "use strict";
  var data = document.getElementById("coverage-charts");
  if (!data || !window.echarts) return;
  var d = JSON.parse(data.textContent);
  var care = document.documentElement.classList.contains("care-mode");
  var text = { fontSize: care ? 20 : 12 };

  function bars(id, labels, values) {
    var node = document.getElementById(id);
    if (!node) return;
    echarts.init(node).setOption({
      tooltip: { trigger: "axis", textStyle: text },
      grid: { left: 8, right: 24, bottom: 8, top: 24, containLabel: true },
      xAxis: { type: "category", data: labels, axisLabel: { fontSize: text.fontSize, interval: 0, rotate: labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { fontSize: text.fontSize, formatter: "{value}%" } },
      series: [{ name: d.name, type: "bar", data: values, label: { show: true, position: "top", fontSize: text.fontSize } }]
    });
  }
  bars("coverage-unit-chart", d.labels, d.rates);
  bars("coverage-group-chart", d.group_labels, d.group_rates);
})();
