// The waiting room updates itself when the server says to ask again (poll_after), and
// moves on to booking when admitted. Without this script the page refreshes itself.
(function () {
  "use strict";
  var root = document.getElementById("line");
  if (!root || root.dataset.state === "sold_out") { return; }
  var fields = {
    number: document.getElementById("line-number"),
    ahead: document.getElementById("line-ahead"),
    wait: document.getElementById("line-wait"),
    message: document.getElementById("line-status")
  };
  var bar = document.getElementById("line-progress");

  function schedule(seconds) {
    var wait = Math.max(Number(seconds) || 1, 1);
    window.setTimeout(poll, wait * 1000);
  }

  function show(body) {
    Object.keys(fields).forEach(function (key) {
      if (fields[key] && body[key] !== undefined && fields[key].textContent !== String(body[key])) {
        fields[key].textContent = body[key];
      }
    });
    if (bar && typeof body.progress === "number") { bar.value = body.progress; bar.textContent = body.progress + "%"; }
    root.dataset.state = body.state;
  }

  function poll() {
    fetch("/line/status.json", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (body.state === "error" || body.state === "sold_out") { window.location.assign(body.next || "/line"); return; }
        show(body);
        if (body.state === "admitted" && body.next) { window.location.assign(body.next); return; }
        schedule(body.poll_after);
      })
      .catch(function () { schedule(5); });
  }

  schedule(root.dataset.pollAfter);
}());
