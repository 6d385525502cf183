// Quote with attribution, better with JavaScript: "Quote" opens the reply form under the
// comment with the words selected in it quoted (or the whole comment when nothing is),
// as a Markdown quote whose first line links to the comment whose words they are. Without
// JavaScript the link loads the page with the form starting that way (?replytocom=ID&quote=1).
(function () {
  "use strict";
  var form = document.getElementById("commentform");
  var body = form && form.querySelector("textarea[name=body]");
  if (!body) return;

  // The words selected inside a comment, and whose words they are: null when nothing is.
  // Words inside a quote of another comment are that comment's: selected there, they are
  // quoted under its author's name, not the quoting comment's.
  function selectedWords() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    var range = selection.getRangeAt(0);
    var node = range.commonAncestorContainer;
    var element = node.nodeType === 1 ? node : node.parentElement;
    var content = element && element.closest(".comment__content");
    var item = content && content.closest("li.comment");
    if (!item) return null;
    var quote = element.closest("blockquote.quote");
    var cite = quote && content.contains(quote) && quote.querySelector(":scope > .quote__cite a");
    var source = cite && /^\/comments\/(\d+)\/$/.exec(cite.getAttribute("href"));
    return {
      id: item.id.replace("comment-", ""),
      text: ownWords(selection, source ? quote : content),
      from: source ? { id: source[1], author: cite.textContent.replace(/ wrote:$/, "") } : null
    };
  }

  // Pressing the link with a pointer may clear the selection before the click: what was
  // selected is read as the press starts. A click from the keyboard reads it then.
  var pressed = null;
  document.addEventListener("pointerdown", function (event) {
    var onQuote = event.target.closest && event.target.closest("a.comment-quote-link");
    pressed = onQuote ? selectedWords() : null;
  }, true);
  document.addEventListener("keydown", function () { pressed = null; }, true);

  // The selected words that are `owner`'s own: the quotes inside it (and the attribution
  // line of a quote) are hidden while the selection is read, which then leaves them out.
  function ownWords(selection, owner) {
    var others = owner.querySelectorAll("blockquote, :scope > .quote__cite");
    others = Array.prototype.slice.call(others);
    var shown = others.map(function (other) { return other.style.display; });
    others.forEach(function (other) { other.style.display = "none"; });
    var text = selection.toString();
    others.forEach(function (other, i) { other.style.display = shown[i]; });
    return text;
  }

  function quoted(id, author, text) {
    var lines = text.replace(/\r\n?/g, "\n").trim().split("\n");
    var cite = author.replace(/\[/g, "(").replace(/\]/g, ")");
    return "> [" + cite + " wrote:](/comments/" + id + "/)\n" +
      lines.map(function (line) { return ("> " + line).replace(/\s+$/, ""); }).join("\n") + "\n\n";
  }

  // The comment's text as it is shown, one block (paragraph, list, code) at a time, blank
  // lines between them. Read from the page itself: a detached copy is not rendered, and its
  // innerText is then its bare textContent, which runs the paragraphs together.
  function wholeComment(id) {
    var content = document.querySelector("#comment-" + id + " > article .comment__content");
    if (!content) return "";
    var blocks = [];
    Array.prototype.forEach.call(content.children, function (block) {
      if (block.tagName === "BLOCKQUOTE") return;  // a quote of a quote is noise
      var text = (block.innerText || block.textContent || "").trim();
      if (text) blocks.push(text);
    });
    return blocks.join("\n\n");
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.comment-quote-link");
    if (!link) return;
    var id = link.dataset.commentId;
    var reply = document.querySelector("#comment-" + id + " > article .comment-reply-link");
    if (!reply) return;  // the page's own link then loads the form with the quote
    event.preventDefault();
    var words = pressed || selectedWords();
    pressed = null;
    var own = words && words.id === id && words.text.trim();
    var source = own && words.from ? words.from : { id: id, author: link.dataset.author };
    var text = own ? words.text : wholeComment(id);
    reply.click();  // the reply form moves under the comment (comments.js)
    var start = body.selectionStart;
    var before = body.value.slice(0, start);
    var gap = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    var insert = gap + quoted(source.id, source.author, text);
    body.value = before + insert + body.value.slice(body.selectionEnd);
    body.focus();
    body.selectionStart = body.selectionEnd = before.length + insert.length;
    body.dispatchEvent(new Event("input", { bubbles: true }));  // the live preview follows
  });
})();
