// XiaoBao page behaviour: the narrow-screen menu and read-aloud (朗读). No external calls.
(function () {
  "use strict";

  // --- the menu on narrow screens -------------------------------------------------------------
  // The button is shown by CSS below 768px; it folds the side navigation open and shut.
  function toggleMenu(button) {
    var nav = document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
    if (open) {
      var first = nav.querySelector("a");
      if (first) first.focus();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var button = document.querySelector(".menu-toggle[aria-expanded=true]");
    if (button) { toggleMenu(button); button.focus(); }
  });

  // --- read aloud ---------------------------------------------------------------------------------
  // What is read: the page heading and the main content, never controls (buttons, fields, their labels,
  // tabs and pagers), nothing hidden, nothing marked data-read-skip, and no masked personal data: a
  // number like 138****1234 read digit by digit ("一三八星星星星…") helps nobody and is noise.
  var SKIP = "[data-read-skip], button, input, select, textarea, label, option, nav, .btn, [role=button]," +
    " [role=tablist], script, style, template, svg, [hidden], [aria-hidden=true]";
  var MASKED = /[0-9A-Za-z\u4e00-\u9fff]*[*＊]{2,}[0-9A-Za-z\u4e00-\u9fff]*/g;
  var BLOCK = /^(block|flex|grid|list-item|table|table-row|table-cell|table-caption)/;
  var CHUNK = 180; // characters per utterance: Chromium stops long single utterances after about 15 seconds

  function readableText(root) {
    var parts = [];
    (function walk(node) {
      if (node.nodeType === Node.TEXT_NODE) {
        parts.push(node.textContent);
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE || node.matches(SKIP)) return;
      var style = getComputedStyle(node);
      if (style.display === "none" || style.visibility === "hidden") return;
      var block = BLOCK.test(style.display);
      if (block) parts.push("\n");
      for (var child = node.firstChild; child; child = child.nextSibling) walk(child);
      if (block) parts.push(style.display === "table-cell" ? " " : "\n");
    })(root);
    return parts.join("").replace(MASKED, " ").replace(/[ \t\u00a0]+/g, " ").replace(/\s*\n\s*/g, "\n").trim();
  }

  // Sentences, then lines, packed into utterances of at most CHUNK characters.
  function chunks(text) {
    var pieces = text.split(/(?<=[。！？；.!?;\n])/);
    var out = [], current = "";
    pieces.forEach(function (piece) {
      while (piece.length > CHUNK) { out.push(piece.slice(0, CHUNK)); piece = piece.slice(CHUNK); }
      if ((current + piece).length > CHUNK) { out.push(current); current = ""; }
      current += piece;
    });
    if (current.trim()) out.push(current);
    return out.map(function (c) { return c.trim(); }).filter(Boolean);
  }

  // Chromium fills the voice list asynchronously: wait for it briefly before deciding there is none.
  function withVoices(callback) {
    var synth = window.speechSynthesis;
    var voices = synth.getVoices() || [];
    if (voices.length) { callback(voices); return; }
    var done = false;
    function finish() {
      if (done) return;
      done = true;
      synth.removeEventListener("voiceschanged", finish);
      callback(synth.getVoices() || []);
    }
    synth.addEventListener("voiceschanged", finish);
    setTimeout(finish, 1500);
  }

  function Reader(bar) {
    this.bar = bar;
    this.button = bar.querySelector("[data-read-target]");
    this.stopButton = bar.querySelector(".read-stop");
    this.rate = bar.querySelector("select");
    this.status = bar.querySelector(".read-state");
    this.queue = [];
    this.position = 0;
    this.run = 0; // bumps on every stop, so callbacks of cancelled utterances are ignored
  }

  Reader.prototype.setState = function (state, message) {
    var bar = this.bar;
    bar.setAttribute("data-read-state", state);
    var label = state === "speaking" ? "pause" : state === "paused" ? "resume" : "play";
    this.button.querySelector(".read-label").textContent = bar.getAttribute("data-label-" + label);
    this.button.setAttribute("aria-pressed", String(state === "speaking"));
    this.stopButton.hidden = !(state === "speaking" || state === "paused");
    this.status.textContent = message || bar.getAttribute("data-state-" + state) || "";
    this.status.classList.toggle("errors", state === "no-voice" || state === "unsupported");
  };

  Reader.prototype.press = function () {
    var state = this.bar.getAttribute("data-read-state");
    if (!("speechSynthesis" in window)) { this.setState("unsupported"); return; }
    if (state === "speaking") { window.speechSynthesis.pause(); this.setState("paused"); return; }
    if (state === "paused") { window.speechSynthesis.resume(); this.setState("speaking"); return; }
    this.start();
  };

  Reader.prototype.start = function () {
    var self = this;
    var english = document.documentElement.lang === "en";
    var target = document.querySelector(this.button.getAttribute("data-read-target") || "main");
    var heading = document.querySelector("main h1");
    var full = english ? ". " : "。"; // the heading ends with a full stop of the page's language: the voice pauses
    var text = ((heading ? readableText(heading) + full : "") + (target ? readableText(target) : "")).trim();
    if (!text) { this.setState("empty"); return; }
    withVoices(function (voices) {
      var prefix = english ? /^en/i : /^(zh|cmn)/i;
      var voice = voices.find(function (v) { return prefix.test(v.lang); });
      if (!voice) {
        // Speaking Chinese with an English voice reads nothing or nonsense: say so instead of failing silently.
        self.setState("no-voice", self.bar.getAttribute(english ? "data-state-no-voice-en" : "data-state-no-voice"));
        return;
      }
      self.voice = voice;
      self.lang = english ? "en-US" : "zh-CN";
      self.queue = chunks(text);
      self.bar.setAttribute("data-read-text-length", String(text.length));
      self.speakFrom(0);
    });
  };

  Reader.prototype.speakFrom = function (index) {
    var self = this;
    var synth = window.speechSynthesis;
    var run = ++this.run;
    synth.cancel();
    this.position = index;
    var rate = parseFloat(this.rate.value) || 1;
    this.queue.slice(index).forEach(function (part, offset) {
      var utterance = new SpeechSynthesisUtterance(part);
      utterance.lang = self.lang;
      utterance.voice = self.voice;
      utterance.rate = rate;
      utterance.onstart = function () { if (run === self.run) self.position = index + offset; };
      utterance.onend = function () {
        if (run === self.run && index + offset === self.queue.length - 1) self.setState("done");
      };
      utterance.onerror = function (event) {
        if (run === self.run && event.error !== "interrupted" && event.error !== "canceled") {
          self.setState("stopped", event.error);
        }
      };
      synth.speak(utterance);
    });
    this.setState("speaking");
  };

  Reader.prototype.stop = function () {
    this.run++;
    window.speechSynthesis.cancel();
    this.setState("stopped");
  };

  // A new speed applies at once: the sentence being read starts again at that speed.
  Reader.prototype.changeRate = function () {
    var state = this.bar.getAttribute("data-read-state");
    if (state === "speaking") this.speakFrom(this.position);
  };

  function readerFor(element) {
    var bar = element.closest(".read-aloud");
    if (!bar) return null;
    if (!bar.__reader) bar.__reader = new Reader(bar);
    return bar.__reader;
  }

  document.addEventListener("click", function (event) {
    var menu = event.target.closest(".menu-toggle");
    if (menu) { toggleMenu(menu); return; }
    var play = event.target.closest("[data-read-target]");
    if (play && readerFor(play)) { readerFor(play).press(); return; }
    var stop = event.target.closest(".read-stop");
    if (stop && readerFor(stop)) readerFor(stop).stop();
  });

  document.addEventListener("change", function (event) {
    if (event.target.closest(".read-rate") && readerFor(event.target)) readerFor(event.target).changeRate();
  });

  // Leaving the page stops the voice (it would otherwise read the old page over the new one).
  window.addEventListener("pagehide", function () {
    if ("speechSynthesis" in window) window.speechSynthesis.cancel();
  });
})();
