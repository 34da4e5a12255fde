// Plan pages' charts (ECharts, vendored): the progress board (task × unit), the Gantt-like timeline
// (a custom series: one bar per task from issue to due, coloured by state) and the roll-up report's charts.
// An enhancement: without JS (or ECharts) the containers hide and the tables beside them hold the numbers.
(function () {
  "use strict";

  var care = document.documentElement.classList.contains("care-mode");
  var fontSize = care ? 20 : 12; // care mode: no text under 20px, the charts included
  var text = { fontSize: fontSize };
  var DAY = 24 * 3600 * 1000;

  function stackedBars(labels, series, horizontal) {
    var category = { type: "category", data: labels, axisLabel: { fontSize: fontSize, interval: 0 } };
    var value = { type: "value", minInterval: 1, axisLabel: text };
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, textStyle: text },
      legend: { top: 0, textStyle: text },
      grid: { left: 8, right: 24, bottom: 8, top: care ? 64 : 40, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: series
    };
  }

  var builders = {
    // progress board: per task, its units' orders closed / open / overdue
    board: function (d) {
      return stackedBars(d.labels, d.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "orders", data: s.data, itemStyle: s.color ? { color: s.color } : undefined };
      }), true);
    },
    // timeline: each task a bar from issue to due (x = time), one row per task
    timeline: function (d) {
      var rows = d.tasks;
      return {
        tooltip: {
          textStyle: text,
          formatter: function (p) {
            var r = rows[p.value[0]];
            return r.title + "<br>" + r.start + " → " + r.end + "<br>" + r.state_label + " · " + r.done + "/" + r.total;
          }
        },
        grid: { left: 16, right: 24, bottom: 24, top: care ? 40 : 28, containLabel: true },
        xAxis: { type: "time", position: "top", axisLabel: text, min: d.min, max: d.max },
        yAxis: {
          type: "category", inverse: true, axisLabel: { fontSize: fontSize, width: care ? 260 : 200, overflow: "truncate" },
          data: rows.map(function (r) { return r.title; })
        },
        series: [{
          type: "custom",
          encode: { x: [1, 2], y: 0 },
          data: rows.map(function (r, i) {
            return { value: [i, r.start_ms, r.end_ms + DAY - 1, r.percent], itemStyle: { color: r.color } };
          }),
          renderItem: function (params, api) {
            var start = api.coord([api.value(1), api.value(0)]);
            var end = api.coord([api.value(2), api.value(0)]);
            var height = Math.min(api.size([0, 1])[1] * 0.6, care ? 48 : 32);
            var shape = window.echarts.graphic.clipRectByRect(
              { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height: height },
              { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height }
            );
            if (!shape) return null;
            var done = Object.assign({}, shape, { width: shape.width * api.value(3) / 100 });
            return {
              type: "group",
              children: [
                { type: "rect", shape: shape, style: Object.assign(api.style(), { opacity: 0.45 }) },
                { type: "rect", shape: done, style: api.style() }
              ]
            };
          }
        }, {
          // today: a line across the chart
          type: "line", data: [], markLine: d.today ? {
            symbol: "none", label: { formatter: d.today_label, fontSize: fontSize, position: "end" },
            lineStyle: { color: "#b42318", type: "dashed" }, data: [{ xAxis: d.today }]
          } : undefined
        }]
      };
    },
    units: function (d) {
      return stackedBars(d.labels, [
        { name: d.events_name, type: "bar", data: d.events, label: { show: true, position: "right", fontSize: fontSize } }
      ], true);
    },
    form: function (d) {
      return {
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)", textStyle: text },
        legend: { type: "scroll", bottom: 0, textStyle: text },
        series: [{
          type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: d.items,
          label: { fontSize: fontSize, formatter: "{b}\n{c}" }
        }]
      };
    },
    target: function (d) {
      return stackedBars(d.labels, [
        { name: d.name, type: "bar", data: d.values, label: { show: true, position: "top", fontSize: fontSize } }
      ], false);
    },
    month: function (d) {
      return {
        tooltip: { trigger: "axis", textStyle: text },
        legend: { top: 0, textStyle: text },
        grid: { left: 8, right: 8, bottom: 8, top: care ? 64 : 40, containLabel: true },
        xAxis: { type: "category", data: d.labels, axisLabel: text },
        yAxis: [
          { type: "value", minInterval: 1, axisLabel: text },
          { type: "value", axisLabel: text, splitLine: { show: false } }
        ],
        series: [
          { name: d.events_name, type: "bar", data: d.events },
          { name: d.reach_name, type: "line", yAxisIndex: 1, data: d.reach }
        ]
      };
    }
  };

  function draw(container) {
    var kind = container.getAttribute("data-plan-chart");
    var source = document.getElementById(container.getAttribute("data-chart-source"));
    if (!source || !builders[kind] || !window.echarts) {
      container.hidden = true; // the table beside it carries the same numbers
      return;
    }
    var data = JSON.parse(source.textContent)[kind];
    if (!data) {
      container.hidden = true;
      return;
    }
    var chart = window.echarts.init(container, null, { renderer: "svg" });
    var option = builders[kind](data);
    option.animation = false;
    chart.setOption(option);
    container.setAttribute("data-ready", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.querySelectorAll("[data-plan-chart]").forEach(draw);

  // activity form: the 五进入 target only applies to offline events
  var formField = document.getElementById("id_form");
  var target = document.getElementById("id_target");
  if (formField && target) {
    var sync = function () {
      var offline = formField.value === "offline";
      target.disabled = !offline;
      if (!offline) target.value = "";
    };
    formField.addEventListener("change", sync);
    sync();
  }
})();
