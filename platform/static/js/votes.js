// The Useful button, better with JavaScript: the vote is sent in the background and the
// count changes in place. Without JavaScript the button's form posts and comes back here.
(function () {
  "use strict";
  var api = "/api/v1/comments/";

  function show(form, voted, count) {
    var button = form.querySelector(".comment__useful-button");
    button.setAttribute("aria-pressed", voted ? "true" : "false");
    form.querySelector("input[name=useful]").value = voted ? "no" : "yes";
    form.querySelector(".comment__useful-count").textContent = count + " useful";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form.comment__useful");
    if (!form || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector(".comment__useful-button");
    var status = form.querySelector(".comment__useful-status");
    var voting = form.querySelector("input[name=useful]").value === "yes";
    button.disabled = true;
    status.textContent = "";
    fetch(api + button.dataset.commentId + "/useful/", {
      method: voting ? "POST" : "DELETE",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value,
      },
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (answer.ok) show(form, answer.body.useful, answer.body.useful_count);
        else status.textContent = answer.body.error ? answer.body.error.message : "Not possible.";
      })
      .catch(function () { form.submit(); })
      .finally(function () {
        button.disabled = false;
        button.focus();
      });
  });
})();
