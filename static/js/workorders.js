// Work order pages: the org-tree picker's "含下级" buttons and the supervision board's chart.
// Both are enhancements: without JS the picker is plain checkboxes and the board's table holds the numbers.
(function () {
  "use strict";

  // --- org tree: a button per node ticks (or, when all are ticked, clears) the node and its subtree ---
  function subtreeBoxes(button) {
    var path = button.getAttribute("data-subtree");
    var form = button.closest("form") || document;
    return Array.prototype.filter.call(form.querySelectorAll("input[type=checkbox][data-path]"), function (box) {
      return box.getAttribute("data-path").indexOf(path) === 0;
    });
  }

  function syncPressed(button) {
    var boxes = subtreeBoxes(button);
    var all = boxes.length > 0 && boxes.every(function (box) { return box.checked; });
    button.setAttribute("aria-pressed", all ? "true" : "false");
  }

  var buttons = document.querySelectorAll("[data-subtree]");
  buttons.forEach(function (button) {
    button.hidden = false;
    syncPressed(button);
    button.addEventListener("click", function () {
      var boxes = subtreeBoxes(button);
      var tick = !boxes.every(function (box) { return box.checked; });
      boxes.forEach(function (box) { box.checked = tick; });
      buttons.forEach(syncPressed);
    });
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[data-path]")) buttons.forEach(syncPressed);
  });

  // --- supervision board: stacked bars per unit (one series per status) plus an overdue bar ---
  function drawBoard(container) {
    var source = document.getElementById(container.getAttribute("data-chart-data"));
    if (!source || !window.echarts) {
      container.hidden = true; // the table below carries the same numbers
      return;
    }
    var data = JSON.parse(source.textContent);
    var care = document.documentElement.classList.contains("care-mode");
    var fontSize = care ? 20 : 12; // care mode: no text under 20px, the chart included
    var series = data.series.map(function (item) {
      return { name: item.name, type: "bar", stack: "status", data: item.data, emphasis: { focus: "series" } };
    });
    series.push({
      name: data.overdue_label, type: "bar", data: data.overdue, itemStyle: { color: "#b42318" }, barGap: "10%"
    });
    var chart = window.echarts.init(container, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, textStyle: { fontSize: fontSize } },
      legend: { top: 0, textStyle: { fontSize: fontSize } },
      grid: { left: 8, right: 16, bottom: 8, top: care ? 64 : 40, containLabel: true },
      xAxis: { type: "category", data: data.units, axisLabel: { fontSize: fontSize, interval: 0, rotate: data.units.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: fontSize } },
      series: series
    });
    container.setAttribute("data-ready", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.querySelectorAll("[data-chart-data]").forEach(drawBoard);
})();
