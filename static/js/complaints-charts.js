// Complaint overview charts (ECharts, vendored): trend by month, channels, causes ranked, units ranked.
// An enhancement: without JS (or ECharts) the containers hide and the statistics tables hold the numbers.
(function () {
  "use strict";

  var care = document.documentElement.classList.contains("care-mode");
  var fontSize = care ? 20 : 12; // care mode: no text under 20px, the charts included
  var text = { fontSize: fontSize };

  function bars(labels, series) {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, textStyle: text },
      legend: { top: 0, textStyle: text },
      grid: { left: 8, right: 24, bottom: 8, top: care ? 56 : 36, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: text },
      yAxis: { type: "category", data: labels, axisLabel: text },
      series: series
    };
  }

  var builders = {
    trend: function (d) {
      return {
        tooltip: { trigger: "axis", textStyle: text },
        legend: { top: 0, textStyle: text },
        grid: { left: 8, right: 8, bottom: 8, top: care ? 56 : 36, containLabel: true },
        xAxis: { type: "category", data: d.labels, axisLabel: text },
        yAxis: [
          { type: "value", minInterval: 1, axisLabel: text },
          { type: "value", min: 0, max: 100, axisLabel: { fontSize: fontSize, formatter: "{value}%" }, splitLine: { show: false } }
        ],
        series: [
          { name: d.names.total, type: "bar", data: d.total },
          { name: d.names.closed, type: "bar", data: d.closed },
          { name: d.names.on_time_rate, type: "line", yAxisIndex: 1, data: d.on_time_rate, connectNulls: true }
        ]
      };
    },
    channel: function (d) {
      return {
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)", textStyle: text },
        legend: { type: "scroll", bottom: 0, textStyle: text },
        series: [{
          type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: d.items,
          label: { fontSize: fontSize, formatter: "{b}\n{c}" }
        }]
      };
    },
    cause: function (d) {
      return bars(d.labels, [{ name: d.name, type: "bar", data: d.values, label: { show: true, position: "right", fontSize: fontSize } }]);
    },
    unit: function (d) {
      return bars(d.labels, [
        { name: d.name, type: "bar", data: d.values, label: { show: true, position: "right", fontSize: fontSize } },
        { name: d.overdue_name, type: "bar", data: d.overdue, itemStyle: { color: "#b42318" } }
      ]);
    }
  };

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-chart-source"));
    var build = builders[container.getAttribute("data-complaint-chart")];
    if (!source || !build || !window.echarts) {
      container.hidden = true;
      return;
    }
    var data = JSON.parse(source.textContent)[container.getAttribute("data-complaint-chart")];
    var chart = window.echarts.init(container, null, { renderer: "svg" });
    var option = build(data);
    option.animation = false;
    chart.setOption(option);
    container.setAttribute("data-ready", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.querySelectorAll("[data-complaint-chart]").forEach(draw);
})();
