// Review pages: small enhancements; without JS every form still posts and every page still works.
// - "未检查的标为符合" ticks 符合 on every checklist item still unchecked (the reviewer then saves).
// - "需整改验证" only applies to a substantive opinion: it is disabled (and cleared) for a general one.
(function () {
  "use strict";

  function syncRequiresChange(form) {
    var kind = form.querySelector("select[name=kind]");
    var box = form.querySelector("input[name=requires_change]");
    if (!kind || !box) return;
    var substantive = kind.value === "substantive";
    box.disabled = !substantive;
    if (!substantive) box.checked = false;
  }

  function enhance(root) {
    root.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("select[name=kind]") && form.querySelector("input[name=requires_change]")) {
        syncRequiresChange(form);
      }
    });
    root.querySelectorAll("[data-mark-rest]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[name=kind]")) {
      syncRequiresChange(event.target.form);
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-mark-rest]");
    if (!button) return;
    var form = button.closest("form");
    form.querySelectorAll("[data-testid=checklist-item]").forEach(function (item) {
      var checked = item.querySelector("input[type=radio]:checked");
      if (!checked || checked.value === "") {
        var pass = item.querySelector("input[type=radio][value=pass]");
        if (pass) pass.checked = true;
      }
    });
  });

  enhance(document);
  // htmx swaps the checklist panel after a save: enhance the new markup too
  document.body.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
