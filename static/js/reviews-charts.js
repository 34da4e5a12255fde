// Review statistics charts (ECharts, vendored): by form type, by department, opinion adoption, objection outcomes.
// An enhancement: without JS (or ECharts) the containers hide and the tables below hold the same numbers.
(function () {
  "use strict";

  var care = document.documentElement.classList.contains("care-mode");
  var fontSize = care ? 20 : 12; // care mode: no text under 20px, the charts included
  var text = { fontSize: fontSize };
  var percentAxis = { type: "value", min: 0, max: 100, axisLabel: { fontSize: fontSize, formatter: "{value}%" }, splitLine: { show: false } };

  function frame(extra) {
    var option = {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, textStyle: text },
      legend: { top: 0, textStyle: text },
      grid: { left: 8, right: 24, bottom: 8, top: care ? 64 : 40, containLabel: true }
    };
    Object.keys(extra).forEach(function (key) { option[key] = extra[key]; });
    return option;
  }

  function labelled(rotateAbove, labels) {
    return { type: "category", data: labels, axisLabel: { fontSize: fontSize, interval: 0, rotate: labels.length > rotateAbove ? 30 : 0 } };
  }

  var builders = {
    type: function (d) {
      return frame({
        xAxis: labelled(4, d.labels),
        yAxis: [{ type: "value", minInterval: 1, axisLabel: text }, percentAxis],
        series: [
          { name: d.names.reviews, type: "bar", data: d.reviews },
          { name: d.names.substantive, type: "bar", data: d.substantive },
          { name: d.names.rate, type: "line", yAxisIndex: 1, data: d.rate, connectNulls: true }
        ]
      });
    },
    department: function (d) {
      return frame({
        xAxis: { type: "value", minInterval: 1, axisLabel: text },
        yAxis: { type: "category", data: d.labels, axisLabel: text },
        series: [
          { name: d.names.reviews, type: "bar", data: d.reviews, label: { show: true, position: "right", fontSize: fontSize } },
          { name: d.names.substantive, type: "bar", data: d.substantive }
        ]
      });
    },
    opinions: function (d) {
      return frame({
        xAxis: labelled(4, d.labels),
        yAxis: [{ type: "value", minInterval: 1, axisLabel: text }, percentAxis],
        series: [
          { name: d.names.adopted, type: "bar", stack: "answer", data: d.adopted, itemStyle: { color: "#2e7d32" } },
          { name: d.names.not_adopted, type: "bar", stack: "answer", data: d.not_adopted, itemStyle: { color: "#b42318" } },
          { name: d.names.unanswered, type: "bar", stack: "answer", data: d.unanswered, itemStyle: { color: "#98a2b3" } },
          { name: d.names.rate, type: "line", yAxisIndex: 1, data: d.rate, connectNulls: true }
        ]
      });
    },
    objections: function (d) {
      return frame({
        xAxis: labelled(4, d.labels),
        yAxis: { type: "value", minInterval: 1, axisLabel: text },
        series: [
          { name: d.names.rereview, type: "bar", stack: "by", data: d.rereview },
          { name: d.names.committee, type: "bar", stack: "by", data: d.committee }
        ]
      });
    }
  };

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-chart-source"));
    var name = container.getAttribute("data-review-chart");
    var build = builders[name];
    if (!source || !build || !window.echarts) {
      container.hidden = true;
      return;
    }
    var chart = window.echarts.init(container, null, { renderer: "svg" });
    var option = build(JSON.parse(source.textContent)[name]);
    option.animation = false;
    chart.setOption(option);
    container.setAttribute("data-ready", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.querySelectorAll("[data-review-chart]").forEach(draw);
})();
