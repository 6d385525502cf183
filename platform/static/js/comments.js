// Folding threads, with JavaScript only (without it every reply shows): a button before the
// replies of each comment that has some hides or shows them, naming how many there are. On
// narrow screens a thread starts folded below its third level. A comment the address points
// to (a permalink) or that the reply form goes under is unfolded, with its ancestors.
(function () {
  "use strict";
  var discussion = document.getElementById("discussion");
  if (!discussion) return;
  var FOLD_BELOW_DEPTH = 2;  // depth counts from 0: levels 1 to 3 stay open
  var narrow = window.matchMedia && window.matchMedia("(max-width: 40em)").matches;

  function setOpen(button, replies, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    replies.hidden = !open;
  }

  function toggleFor(replies) {
    return document.querySelector('button[aria-controls="' + replies.id + '"]');
  }

  function reveal(element) {
    var replies = element && element.closest("ol.children[hidden]");
    while (replies) {
      var button = toggleFor(replies);
      if (button) setOpen(button, replies, true);
      else replies.hidden = false;
      replies = replies.parentNode.closest("ol.children[hidden]");
    }
  }

  var lists = discussion.querySelectorAll("li.comment > ol.children");
  Array.prototype.forEach.call(lists, function (replies) {
    var item = replies.parentNode;
    var count = replies.querySelectorAll("li.comment").length;
    var author = item.querySelector(":scope > article .comment__author");
    var button = document.createElement("button");
    var shown = document.createElement("span");
    var whose = document.createElement("span");
    replies.id = item.id + "-replies";
    button.type = "button";
    button.className = "thread-toggle";
    button.setAttribute("aria-controls", replies.id);
    shown.textContent = count + (count === 1 ? " reply" : " replies");
    whose.className = "visually-hidden";
    whose.textContent = author ? " to " + author.textContent.trim() : " in this thread";
    button.appendChild(shown);
    button.appendChild(whose);
    item.insertBefore(button, replies);
    var depth = parseInt((item.className.match(/\bdepth-(\d+)/) || [0, 0])[1], 10);
    setOpen(button, replies, !(narrow && depth >= FOLD_BELOW_DEPTH));
  });

  discussion.addEventListener("click", function (event) {
    var button = event.target.closest("button.thread-toggle");
    if (!button) return;
    var replies = document.getElementById(button.getAttribute("aria-controls"));
    if (replies) setOpen(button, replies, replies.hidden);
  });
  // The reply form asks for its comment to be shown (see below).
  discussion.addEventListener("comments:reveal", function (event) { reveal(event.target); });

  function revealTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target || !discussion.contains(target) || !target.closest("ol.children[hidden]")) return;
    reveal(target);
    target.scrollIntoView();
  }
  revealTarget();
  window.addEventListener("hashchange", revealTarget);
})();

// Threaded replies, better with JavaScript: "Reply" moves the form under the comment
// instead of reloading the page. Without JavaScript the links still work (?replytocom=ID).
(function () {
  "use strict";
  var respond = document.getElementById("respond");
  var form = document.getElementById("commentform");
  if (!respond || !form) return;

  var home = document.createComment("respond-home");
  respond.parentNode.insertBefore(home, respond);
  var parentInput = document.getElementById("comment_parent");
  var heading = respond.querySelector(".respond__heading");
  var replying = respond.querySelector(".respond__replying");
  var replyName = respond.querySelector(".respond__name");
  var cancel = respond.querySelector(".respond__cancel");
  var cancelLink = document.getElementById("cancel-comment-reply-link");
  var body = form.querySelector("textarea[name=body]");

  function replyTo(link) {
    var item = document.getElementById("comment-" + link.dataset.commentId);
    if (!item) return false;
    item.dispatchEvent(new CustomEvent("comments:reveal", { bubbles: true }));
    var article = item.querySelector(":scope > article");
    article.insertAdjacentElement("afterend", respond);
    parentInput.value = link.dataset.commentId;
    replyName.textContent = link.dataset.author;
    heading.hidden = true;
    replying.hidden = false;
    cancel.hidden = false;
    if (body) body.focus();
    return true;
  }

  function cancelReply() {
    home.parentNode.insertBefore(respond, home.nextSibling);
    parentInput.value = "";
    heading.hidden = false;
    replying.hidden = true;
    cancel.hidden = true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.comment-reply-link");
    if (link && replyTo(link)) {
      event.preventDefault();
      return;
    }
    // "Leave a Reply" at the top of the discussion means a new thread: the form goes home
    // first, and the link's own jump to #respond then finds it there.
    if (event.target.closest("a.discussion__jump-link") && parentInput.value) {
      cancelReply();
      return;
    }
    if (event.target === cancelLink) {
      event.preventDefault();
      var repliedTo = parentInput.value;
      cancelReply();
      var back = repliedTo && document.querySelector("#comment-" + repliedTo + " .comment-reply-link");
      if (back) back.focus();
    }
  });

  // A reply form shown after an error, or via ?replytocom=, starts under its comment.
  var initial = respond.dataset.replyTo;
  if (initial) {
    var link = document.querySelector("#comment-" + initial + " .comment-reply-link");
    if (link) replyTo(link);
  }

  // Live preview: the server renders the comment with the same code as a posted one, a
  // moment after the reader stops typing; the region under the textarea is aria-live.
  var preview = document.getElementById("comment-preview");
  var previewUrl = form.dataset.previewUrl;
  if (body && preview && previewUrl && window.fetch) {
    var nameInput = form.querySelector("input[name=name]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var timer = null;
    var sent = 0;

    var refresh = function () {
      var ticket = ++sent;
      if (!body.value.trim()) {
        preview.textContent = "";
        return;
      }
      var data = new FormData();
      data.append("body", body.value);
      if (nameInput) data.append("name", nameInput.value);
      if (token) data.append("csrfmiddlewaretoken", token.value);
      fetch(previewUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      })
        .then(function (response) {
          if (response.status !== 200 && response.status !== 400) throw new Error("preview");
          return response.text();
        })
        .then(function (html) {
          if (ticket === sent) preview.innerHTML = html;  // server-sanitised markup only
        })
        .catch(function () { /* no preview this time; posting is unaffected */ });
    };
    var later = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400);
    };
    body.addEventListener("input", later);
    if (nameInput) nameInput.addEventListener("input", later);
  }

  // Errors: move focus to the summary so it is read out at once. Wait for the load, or the
  // browser's own jump to #respond afterwards would take the focus away again.
  var errors = document.getElementById("commentform-errors");
  if (errors) {
    if (document.readyState === "complete") errors.focus();
    else window.addEventListener("load", function () { errors.focus(); });
  }
})();
