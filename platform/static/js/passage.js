// Comments on a passage, better with JavaScript: select words in one paragraph or heading of
// the article and press "Comment on this passage" (it appears under that paragraph); the
// "Comment on this paragraph" links work in place too. The server checks the words against
// the article as it is and answers a signed anchor, which the comment form carries. Without
// JavaScript, each paragraph's link loads the form with the whole paragraph as its passage.
(function () {
  "use strict";
  var text = document.getElementById("article-text");
  var form = document.getElementById("commentform");
  var url = text && text.dataset.passageUrl;
  if (!text || !form || !url || !window.fetch) return;
  var anchorInput = form.querySelector("input[name=anchor]");
  var body = form.querySelector("textarea[name=body]");
  var box = document.getElementById("comment-passage");
  var words = box && box.querySelector(".comment-passage__words");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!anchorInput || !box || !words) return;

  var button = document.createElement("button");
  button.type = "button";
  button.className = "passage-button";
  button.textContent = "Comment on this passage";
  var status = document.createElement("span");
  status.className = "passage-status";
  status.setAttribute("role", "status");
  var chosen = null;

  function blockOf(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    var block = element && element.closest("p[id], h2[id], h3[id], h4[id], h5[id], h6[id]");
    return block && text.contains(block) ? block : null;
  }

  function toolsOf(block) {
    var next = block.nextElementSibling;
    if (next && next.classList.contains("passage-tools")) return next;
    var tools = document.createElement("p");
    tools.className = "passage-tools";
    block.insertAdjacentElement("afterend", tools);
    return tools;
  }

  // The part of a selection in one block, or null when it has words in two. Outside the
  // block there may be white space only: a triple-click selects a whole paragraph up to the
  // start of whatever follows it.
  function inOneBlock(range) {
    var first = blockOf(range.startContainer);
    var last = blockOf(range.endContainer);
    if (first && first === last) return { block: first, range: range };
    var inside = range.cloneRange();
    var outside = document.createRange();
    if (first) {
      inside.setEnd(first, first.childNodes.length);
      outside.setStart(first, first.childNodes.length);
      outside.setEnd(range.endContainer, range.endOffset);
    } else if (last) {
      inside.setStart(last, 0);
      outside.setStart(range.startContainer, range.startOffset);
      outside.setEnd(last, 0);
    } else {
      return null;
    }
    return outside.toString().trim() ? null : { block: first || last, range: inside };
  }

  // The words of a range as the article's plain text has them: without the "#" links that
  // headings carry for the contents list, white space run together.
  function wordsOf(range) {
    var copy = document.createElement("div");
    copy.appendChild(range.cloneContents());
    Array.prototype.forEach.call(copy.querySelectorAll(".headerlink"), function (link) {
      link.parentNode.removeChild(link);
    });
    return copy.textContent.replace(/\s+/g, " ");
  }

  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return;
    var found = inOneBlock(selection.getRangeAt(0));
    if (!found) return;
    var block = found.block;
    var exact = wordsOf(found.range).trim();
    if (!exact) return;
    var before = document.createRange();
    before.setStart(block, 0);
    before.setEnd(found.range.startContainer, found.range.startOffset);
    chosen = { block: block.id, exact: exact, near: wordsOf(before).replace(/^ /, "").length };
    status.textContent = "";
    var tools = toolsOf(block);
    tools.insertBefore(status, tools.firstChild);
    tools.insertBefore(button, status);
  });

  function choose(passage) {
    var data = new FormData();
    data.append("block", passage.block);
    data.append("exact", passage.exact || "");
    data.append("near", String(passage.near || 0));
    if (token) data.append("csrfmiddlewaretoken", token.value);
    return fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) throw new Error(answer.detail || "That passage cannot be chosen.");
          return answer;
        });
      })
      .then(function (answer) {
        anchorInput.value = answer.anchor;
        words.textContent = answer.exact;
        box.hidden = false;
        var cancel = document.getElementById("cancel-comment-reply-link");
        var respond = document.getElementById("respond");
        if (cancel && respond && respond.querySelector(".respond__cancel:not([hidden])")) cancel.click();
        if (respond) respond.scrollIntoView({ block: "start" });
        if (body) body.focus();
      });
  }

  button.addEventListener("click", function () {
    if (!chosen) return;
    choose(chosen).catch(function (error) { status.textContent = error.message; });
  });

  text.addEventListener("click", function (event) {
    var link = event.target.closest("a.passage-tools__comment");
    if (!link) return;
    event.preventDefault();
    choose({ block: link.dataset.block }).catch(function (error) {
      var tools = link.parentElement;
      tools.appendChild(status);
      status.textContent = error.message;
    });
  });

  var clear = box.querySelector(".comment-passage__clear");
  if (clear) {
    clear.addEventListener("click", function (event) {
      event.preventDefault();
      anchorInput.value = "";
      words.textContent = "";
      box.hidden = true;
      if (body) body.focus();
    });
  }
})();
