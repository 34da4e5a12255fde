// The exam paper: save each change at once (and again before leaving), show the time left.
// The server owns the clock: the countdown starts from the seconds the server gave and is corrected by
// every save's answer; when it reaches zero the form is handed in, and the server refuses anything late.
(function () {
  "use strict";

  var form = document.getElementById("exam-form");
  if (!form) return;
  var clock = document.getElementById("exam-remaining");
  var state = document.getElementById("exam-saved");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var remaining = parseInt(clock.getAttribute("data-remaining"), 10) || 0;
  var pending = {};
  var timer = null;
  var submitting = false;

  function show(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    clock.textContent = m + ":" + (s < 10 ? "0" : "") + s;
  }

  function responseOf(fieldset) {
    var version = fieldset.getAttribute("data-version");
    var kind = fieldset.getAttribute("data-kind");
    var inputs = fieldset.querySelectorAll("input[name=q" + version + "]");
    if (kind === "fill") return Array.prototype.map.call(inputs, function (i) { return i.value; });
    var chosen = Array.prototype.filter.call(inputs, function (i) { return i.checked; }).map(function (i) { return i.value; });
    return kind === "multiple" ? chosen : (chosen[0] || null);
  }

  function flush(keepalive) {
    var answers = pending;
    if (!Object.keys(answers).length) return;
    pending = {};
    state.textContent = state.getAttribute("data-saving-text");
    fetch(form.getAttribute("data-save-url"), {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ answers: answers })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        remaining = result.body.remaining;
        state.textContent = state.getAttribute("data-saved-text");
        state.setAttribute("data-state", "saved");
      } else if (result.body.error === "training.time_up" || result.body.error === "training.attempt_closed") {
        window.location.reload();
      } else {
        state.textContent = result.body.detail || state.getAttribute("data-failed-text");
      }
    }).catch(function () {
      // offline: keep the answers and try again with the next change or tick
      Object.keys(answers).forEach(function (k) { if (!(k in pending)) pending[k] = answers[k]; });
      state.textContent = state.getAttribute("data-failed-text");
      state.setAttribute("data-state", "failed");
    });
  }

  function changed(event) {
    var fieldset = event.target.closest("fieldset[data-version]");
    if (!fieldset) return;
    pending[fieldset.getAttribute("data-version")] = responseOf(fieldset);
    state.setAttribute("data-state", "pending");
    clearTimeout(timer);
    timer = setTimeout(flush, 300);
  }

  form.addEventListener("change", changed);
  form.addEventListener("input", function (event) { if (event.target.type === "text") changed(event); });
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("pagehide", function () { if (!submitting) flush(true); });

  show(remaining);
  setInterval(function () {
    remaining = Math.max(0, remaining - 1);
    show(remaining);
    if (Object.keys(pending).length) flush();
    if (remaining === 0 && !submitting) {
      submitting = true;
      form.submit();
    }
  }, 1000);
})();
