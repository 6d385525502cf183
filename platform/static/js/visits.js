// New since your last visit. For a signed-in reader the server marks the new comments (the
// class comment--new, a "New" label, a "Next new" link) and says above the threads how many;
// this script leaves them as they are. For an anonymous reader it keeps the moment of the last
// visit to each article in localStorage, and marks the comments posted since in the same way.
// Either way "Next new comment" then moves the focus to the next new comment after the link
// pressed (round to the first again), unfolding a folded thread on the way. Without
// JavaScript the links are plain anchors, and only signed-in readers see markers.
(function () {
  "use strict";
  var discussion = document.getElementById("discussion");
  if (!discussion) return;
  var KEY = "discussion-visit:";

  // Date.parse reads three digits of a second's fraction; Python writes six.
  function moment(text) {
    return Date.parse(String(text).replace(/(\.\d{3})\d+/, "$1"));
  }

  // The last visit's moment, keeping this one's in its place. Storage may be missing, refused
  // (private modes, blocked cookies) or full: then this visit marks nothing, and says nothing.
  function lastVisit(key, now) {
    var before = null;
    try {
      var store = window.localStorage;
      before = store.getItem(key);
      store.setItem(key, now);
    } catch (error) { /* no storage: no markers */ }
    return before;
  }

  function nextLink(target) {
    var link = document.createElement("a");
    var hidden = document.createElement("span");
    link.className = "comment__next-new";
    link.href = "#" + target.id;
    link.textContent = "Next new";
    hidden.className = "visually-hidden";
    hidden.textContent = " comment";
    link.appendChild(hidden);
    return link;
  }

  // The same marks the server gives a signed-in reader (comments/threads/html.py).
  function mark(items) {
    items.forEach(function (item, index) {
      var label = document.createElement("span");
      label.className = "comment__new";
      label.textContent = "New";
      var parts = [document.createTextNode(" "), label];
      if (items.length > 1) {
        parts.push(document.createTextNode(" "), nextLink(items[(index + 1) % items.length]));
      }
      var permalink = item.querySelector(":scope > article .comment__permalink");
      permalink.after.apply(permalink, parts);
      item.classList.add("comment--new");
    });
  }

  function markFromBrowser() {
    var before = moment(lastVisit(KEY + discussion.dataset.visitKey, discussion.dataset.visitAt));
    if (isNaN(before)) return;  // a first visit: nothing is new yet
    var items = [];
    // Public comments of others only: not one's own, not one waiting, not a tombstone.
    var bodies = discussion.querySelectorAll("li.comment > article.comment__body");
    Array.prototype.forEach.call(bodies, function (body) {
      if (body.matches(".comment__body--pending, .comment__body--mine, .comment__body--gone")) return;
      var time = body.querySelector(":scope > footer time[datetime]");
      if (time && moment(time.getAttribute("datetime")) > before) items.push(body.parentNode);
    });
    var summary = document.getElementById("discussion-new");
    if (!items.length || !summary) return;
    mark(items);
    summary.querySelector(".discussion__new-number").textContent = String(items.length);
    summary.querySelector("a.discussion__next-new").href = "#" + items[0].id;
    summary.hidden = false;
  }

  // The first new comment after `control` in the page, or the first of all.
  function nextAfter(control) {
    var items = discussion.querySelectorAll("li.comment--new");
    for (var i = 0; i < items.length; i++) {
      if (control.compareDocumentPosition(items[i]) & Node.DOCUMENT_POSITION_FOLLOWING) {
        return items[i];
      }
    }
    return items[0] || null;
  }

  function go(item) {
    var body = item.querySelector(":scope > article");
    if (!body) return false;
    item.dispatchEvent(new CustomEvent("comments:reveal", { bubbles: true }));  // comments.js
    if (!body.hasAttribute("tabindex")) body.setAttribute("tabindex", "-1");
    body.scrollIntoView({ block: "start" });
    body.focus({ preventScroll: true });
    return true;
  }

  if (discussion.dataset.visitKey) markFromBrowser();

  discussion.addEventListener("click", function (event) {
    var link = event.target.closest("a.discussion__next-new, a.comment__next-new");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var item = nextAfter(link);
    if (item && go(item)) event.preventDefault();
  });
})();
