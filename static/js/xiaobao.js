// XiaoBao page behaviour: read-aloud (care mode) and htmx conveniences. No external calls.
(function () {
  "use strict";

  function chineseVoice() {
    if (!("speechSynthesis" in window)) return null;
    var voices = window.speechSynthesis.getVoices() || [];
    return voices.find(function (v) { return /^zh/i.test(v.lang); }) || null;
  }

  function readAloud(button) {
    var target = document.querySelector(button.getAttribute("data-read-target") || "main");
    if (!target || !("speechSynthesis" in window)) {
      button.setAttribute("data-read-state", "unsupported");
      return;
    }
    var synth = window.speechSynthesis;
    if (synth.speaking) {
      synth.cancel();
      button.setAttribute("data-read-state", "stopped");
      return;
    }
    var english = document.documentElement.lang === "en";
    var heading = document.querySelector("main h1");
    // the heading ends with a full stop of the page's language, so the voice pauses after it
    var text = ((heading ? heading.innerText + (english ? ". " : "。") : "") + target.innerText).trim();
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = english ? "en-US" : "zh-CN";
    var voice = utterance.lang === "zh-CN" ? chineseVoice() : null;
    if (voice) utterance.voice = voice;
    utterance.rate = document.documentElement.classList.contains("care-mode") ? 0.85 : 1;
    utterance.onend = function () { button.setAttribute("data-read-state", "done"); };
    button.setAttribute("data-read-state", "speaking");
    button.setAttribute("data-read-text-length", String(text.length));
    synth.speak(utterance);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-read-target]");
    if (button) readAloud(button);
  });
})();
