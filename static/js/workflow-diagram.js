// Process diagram on the instance page: bpmn-js (vendored, no CDN) shows the instance's own
// version of the BPMN, and canvas markers colour completed and current elements.
(function () {
  "use strict";

  function mark(viewer, states) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    // an element id the diagram does not draw (no DI shape) is skipped, not an error
    (states.completed || []).forEach(function (id) {
      if (registry.get(id)) canvas.addMarker(id, "xb-done");
    });
    (states.current || []).forEach(function (id) {
      if (registry.get(id)) canvas.addMarker(id, "xb-current");
    });
  }

  function show(container) {
    var statesNode = document.getElementById(container.getAttribute("data-states-id"));
    var states = statesNode ? JSON.parse(statesNode.textContent) : {};
    if (!window.BpmnJS) {
      container.textContent = container.getAttribute("data-error-text");
      return;
    }
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.getAttribute("data-xml-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("diagram " + response.status);
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport");
        mark(viewer, states);
        container.setAttribute("data-ready", "true");
      })
      .catch(function () {
        container.setAttribute("data-ready", "error");
        container.textContent = container.getAttribute("data-error-text");
      });
  }

  document.querySelectorAll("[data-xml-url]").forEach(show);
})();
