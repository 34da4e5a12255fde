// 组卷: pick questions from the bank browser into the paper's number box, and ask the server for the
// paper's summary (questions per kind, total score) whenever the paper changes. The server reads the box
// exactly as it does when the exam is saved; this only saves typing.
(function () {
  "use strict";

  var codes = document.getElementById("exam-codes");
  if (!codes) return;
  var timer = null;

  function changed() {
    clearTimeout(timer);
    timer = setTimeout(function () { document.body.dispatchEvent(new Event("paper-changed")); }, 400);
  }

  ["exam-codes", "exam-points", "exam-rules"].forEach(function (id) {
    var field = document.getElementById(id);
    if (field) field.addEventListener("input", changed);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pick-code]");
    if (!button) return;
    var code = button.getAttribute("data-pick-code");
    var have = codes.value.split(/[,，\s]+/).filter(Boolean);
    if (have.indexOf(code) === -1) {
      codes.value = have.concat([code]).join(", ");
      changed();
    }
    button.disabled = true;
    button.textContent = button.getAttribute("data-picked-label") || button.textContent;
  });
})();
