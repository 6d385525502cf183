// @mentions, better with JavaScript: typing "@" and the start of a name offers the readers
// of this discussion; arrow keys move through them, Enter or Tab takes one, Escape closes.
// Without JavaScript a reader types the username in full; the server resolves it either way.
(function () {
  "use strict";
  var form = document.getElementById("commentform");
  var url = form && form.dataset.mentionsUrl;
  var body = form && form.querySelector("textarea[name=body]");
  if (!url || !body || !window.fetch) return;

  var list = document.createElement("ul");
  list.id = "mention-suggestions";
  list.className = "mention-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Readers to mention");
  list.hidden = true;
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  body.insertAdjacentElement("afterend", list);
  list.insertAdjacentElement("afterend", status);
  body.setAttribute("aria-autocomplete", "list");
  body.setAttribute("aria-controls", list.id);

  var options = [];
  var active = -1;
  var timer = null;
  var asked = 0;

  function typed() {
    var before = body.value.slice(0, body.selectionStart);
    var match = /(?:^|[^\w.@+-])@([\w.+-]{1,30})$/.exec(before);
    return match ? match[1] : null;
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    options = [];
    active = -1;
    body.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) body.setAttribute("aria-activedescendant", options[index].id);
  }

  function take(index) {
    var username = options[index].dataset.username;
    var start = body.selectionStart;
    var before = body.value.slice(0, start).replace(/@[\w.+-]*$/, "@" + username + " ");
    body.value = before + body.value.slice(start);
    body.selectionStart = body.selectionEnd = before.length;
    close();
    status.textContent = "Mentioned " + username + ".";
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function show(readers) {
    close();
    readers.forEach(function (reader, i) {
      var option = document.createElement("li");
      option.id = "mention-option-" + i;
      option.setAttribute("role", "option");
      option.dataset.username = reader.username;
      option.textContent = "@" + reader.username + (reader.name !== reader.username ? " (" + reader.name + ")" : "");
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();  // keep the focus in the textarea
        take(i);
      });
      list.appendChild(option);
      options.push(option);
    });
    list.hidden = !options.length;
    status.textContent = options.length ? options.length + (options.length === 1 ? " reader" : " readers") + " to mention: arrow keys to choose, Enter to take." : "";
    if (options.length) highlight(0);
  }

  body.addEventListener("input", function () {
    var prefix = typed();
    window.clearTimeout(timer);
    if (prefix === null) { close(); return; }
    timer = window.setTimeout(function () {
      var ticket = ++asked;
      fetch(url + "?q=" + encodeURIComponent(prefix), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { readers: [] }; })
        .then(function (answer) { if (ticket === asked && typed() === prefix) show(answer.readers); })
        .catch(close);
    }, 200);
  });

  body.addEventListener("keydown", function (event) {
    if (list.hidden || !options.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + options.length) % options.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
      event.preventDefault();
      take(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  body.addEventListener("blur", function () { window.setTimeout(close, 150); });
})();
