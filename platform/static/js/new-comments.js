// New comments while the page is open, with JavaScript only: every so often, and only while
// the tab is visible, the page asks the discussion's change feed what became public since it
// was shown. Nothing moves under the reader: a notice says how many arrived, and its button
// loads them.
(function () {
  "use strict";
  var discussion = document.getElementById("discussion");
  var notice = document.getElementById("new-comments");
  if (!discussion || !notice || !discussion.dataset.changesUrl || !window.fetch) return;
  var button = notice.querySelector("button");
  var seconds = Math.max(1, parseInt(discussion.dataset.pollSeconds, 10) || 30);
  var cursor = discussion.dataset.changesCursor;
  var arrived = {};
  var count = 0;
  var timer = null;

  function show() {
    button.textContent = count + (count === 1 ? " new comment" : " new comments") + " \u2014 show them";
    notice.hidden = false;
  }

  function poll() {
    var url = discussion.dataset.changesUrl + "?since=" + encodeURIComponent(cursor);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) return;
        cursor = body.cursor || cursor;
        (body.changes || []).forEach(function (entry) {
          if (entry.status !== "approved" || arrived[entry.id]) return;
          if (document.getElementById("comment-" + entry.id)) return;  // on the page already
          arrived[entry.id] = true;
          count += 1;
        });
        if (count) show();
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  function schedule() {
    window.clearInterval(timer);
    timer = null;
    if (document.visibilityState === "visible") timer = window.setInterval(poll, seconds * 1000);
  }

  button.addEventListener("click", function () {
    window.location.hash = "";
    window.location.reload();
  });
  document.addEventListener("visibilitychange", schedule);
  schedule();
})();
