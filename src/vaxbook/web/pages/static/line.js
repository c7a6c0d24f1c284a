// The waiting room works out its own place: it reads the line's public counters (one
// document for everyone in the line, cached for a second by the browser and by nginx),
// computes the people ahead and the wait from its own ticket number, and asks the app
// once, when its number is admitted, for its admission pass (/line/status.json).
// Before opening (no number yet) and without counters it asks /line/status.json as the
// server's poll_after says. Without this script the page refreshes itself.
(function () {
  "use strict";
  var root = document.getElementById("line");
  if (!root || root.dataset.state === "sold_out") { return; }
  var fields = {
    number: document.getElementById("line-number"),
    ahead: document.getElementById("line-ahead"),
    wait: document.getElementById("line-wait"),
    message: document.getElementById("line-status"),
    notice: document.getElementById("line-notice")
  };
  var bar = document.getElementById("line-progress");
  var words = root.dataset;
  var number = Number(words.number) || 0;

  function schedule(next, seconds) {
    var wait = Math.min(Math.max(Number(seconds) || 1, 1), 30);
    window.setTimeout(next, wait * 1000);
  }

  function show(body) {
    Object.keys(fields).forEach(function (key) {
      if (fields[key] && body[key] !== undefined && fields[key].textContent !== String(body[key])) {
        fields[key].textContent = body[key];
      }
    });
    if (fields.notice) { fields.notice.hidden = !body.notice; }
    if (bar && typeof body.progress === "number") { bar.value = body.progress; bar.textContent = body.progress + "%"; }
    if (body.state) { root.dataset.state = body.state; }
  }

  function count(n) { return n.toLocaleString("en-US"); }

  function waitText(seconds) {
    if (seconds < 60) { return words.waitUnderMinute; }
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) { return words.waitMinutes.replace("{m}", minutes); }
    return words.waitHours.replace("{h}", Math.floor(minutes / 60)).replace("{m}", minutes % 60);
  }

  // The app's answer: only before opening, and once when this number is admitted.
  function claim() {
    fetch("/line/status.json", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (body.state === "error" || body.state === "sold_out") { window.location.assign(body.next || "/line"); return; }
        show(body);
        if (body.state === "admitted" && body.next) { window.location.assign(body.next); return; }
        if (body.state === "waiting" && words.counters && number) { schedule(watch, 1); return; }
        schedule(claim, body.poll_after);
      })
      .catch(function () { schedule(claim, 5); });
  }

  // Everyone's counters, this page's arithmetic: the same as the server's status answer.
  function watch() {
    fetch(words.counters, { headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (line) {
        if (line.sold_out || line.admitted >= number) { claim(); return; }
        var ahead = Math.max(number - line.admitted - 1, 0);
        var wait = line.admission_rate > 0 ? ahead / line.admission_rate : Infinity;
        var shown = isFinite(wait) ? waitText(wait) : "-";
        show({
          ahead: count(ahead), wait: shown, progress: Math.round(100 * (1 - ahead / number)),
          message: words.statusText.replace("{ahead}", count(ahead)).replace("{wait}", shown)
        });
        schedule(watch, isFinite(wait) ? wait / 5 : 30);
      })
      .catch(function () { schedule(claim, 5); });
  }

  if (root.dataset.state === "waiting" && words.counters && number) {
    schedule(watch, root.dataset.pollAfter);
  } else {
    schedule(claim, root.dataset.pollAfter);
  }
}());
