// Indicator cockpit and detail charts (ECharts, vendored): tile sparklines, the trend, the branch comparison.
// An enhancement: without JS (or ECharts) the containers hide and the tables beside them hold the numbers.
// Clicking a point or a bar drills down: each data item carries the detail page's URL.
(function () {
  "use strict";

  var care = document.documentElement.classList.contains("care-mode");
  var fontSize = care ? 20 : 12; // care mode: no text under 20px, the charts included
  var text = { fontSize: fontSize };

  function items(values, urls) {
    return values.map(function (value, i) { return { value: value, url: urls ? urls[i] : null }; });
  }

  var builders = {
    spark: function (d) {
      return {
        grid: { left: 2, right: 2, top: 4, bottom: 4 },
        xAxis: { type: "category", show: false, data: d.labels },
        yAxis: { type: "value", show: false, scale: true },
        tooltip: { trigger: "axis", textStyle: text },
        series: [{ type: "line", data: items(d.values, d.urls), symbolSize: care ? 8 : 4, connectNulls: true,
          lineStyle: { width: care ? 3 : 2 } }]
      };
    },
    trend: function (d) {
      var series = [{ name: d.name, type: "line", data: items(d.values, d.urls), connectNulls: true,
        symbolSize: care ? 12 : 8, label: { show: true, fontSize: fontSize } }];
      if (d.targets && d.targets.some(function (v) { return v !== null; })) {
        series.push({ name: d.target_name, type: "line", data: d.targets, lineStyle: { type: "dashed" },
          symbol: "emptyCircle", symbolSize: care ? 10 : 6, connectNulls: true });
      }
      return {
        tooltip: { trigger: "axis", textStyle: text },
        legend: { top: 0, textStyle: text },
        grid: { left: 8, right: 24, bottom: 8, top: care ? 56 : 36, containLabel: true },
        xAxis: { type: "category", data: d.labels, axisLabel: text },
        yAxis: { type: "value", scale: true, axisLabel: text },
        series: series
      };
    },
    comparison: function (d) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, textStyle: text },
        legend: { top: 0, textStyle: text },
        grid: { left: 8, right: 48, bottom: 8, top: care ? 56 : 36, containLabel: true },
        xAxis: { type: "value", axisLabel: text },
        yAxis: { type: "category", data: d.labels, axisLabel: text },
        series: [{
          name: d.name, type: "bar",
          data: d.values.map(function (value, i) {
            return { value: value, url: d.urls[i], itemStyle: { color: d.colors[i] } };
          }),
          label: { show: true, position: "right", fontSize: fontSize }
        }]
      };
    }
  };

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-chart-source"));
    var kind = container.getAttribute("data-indicator-chart");
    var build = builders[kind];
    if (!source || !build || !window.echarts) {
      container.hidden = true;
      return;
    }
    var data = JSON.parse(source.textContent);
    var key = container.getAttribute("data-chart-key");
    if (key !== null) { data = data[key]; }
    var index = container.getAttribute("data-chart-index");
    if (data && index !== null) { data = data[Number(index)]; }
    if (!data) { container.hidden = true; return; }
    var chart = window.echarts.init(container, null, { renderer: "svg" });
    var option = build(data);
    option.animation = false;
    chart.setOption(option);
    chart.on("click", function (params) {
      var url = params.data && params.data.url;
      if (url) { window.location.href = url; }
    });
    container.setAttribute("data-ready", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.querySelectorAll("[data-indicator-chart]").forEach(draw);
})();
