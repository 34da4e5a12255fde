// Complaint pages: the register form shows "消费者姓名" only when someone complains for the consumer (Art. 14).
// An enhancement: without JS the field is always shown, with its help text.
(function () {
  "use strict";

  var relation = document.querySelector("select[name=relation]");
  var consumer = document.querySelector("[data-cp-consumer]");
  if (!relation || !consumer) return;

  function sync() {
    var input = consumer.querySelector("input");
    var self = relation.value === "self";
    // a value already typed (or an error on it) keeps the field in view
    consumer.hidden = self && !(input && input.value) && !consumer.querySelector(".errors");
  }

  relation.addEventListener("change", sync);
  sync();
})();
