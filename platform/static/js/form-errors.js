// A form sent back with errors: move the focus to its summary, so that it is read out at
// once and the next Tab reaches the first field in error through the summary's links.
(function () {
  "use strict";
  var summary = document.querySelector(".form-errors[tabindex='-1']");
  if (!summary) return;
  if (document.readyState === "complete") summary.focus();
  else window.addEventListener("load", function () { summary.focus(); });
})();
