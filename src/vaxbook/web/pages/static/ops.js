// The console refreshes itself without a full reload: every few seconds it fetches
// /ops/figures.json, sets each cell's text by id, rebuilds the answers and audit tables,
// and reloads the charts (SVG images) once per 10-second bucket. Only DOM text is set,
// never HTML, so the page's strict CSP (no inline script) holds.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) { return; }
  var every = Math.max(Number(root.dataset.refresh) || 3, 1) * 1000;
  var stale = document.getElementById("stale");
  var lastCharts = Date.now();

  function fillTable(id, rows) {
    var body = document.getElementById(id);
    if (!body) { return; }
    var fresh = document.createDocumentFragment();
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      row.forEach(function (value) {
        var td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(td);
      });
      fresh.appendChild(tr);
    });
    body.replaceChildren(fresh);
  }

  function show(body) {
    if (body.layout !== root.dataset.layout) { window.location.reload(); return; }
    Object.keys(body.cells).forEach(function (id) {
      var element = document.getElementById(id);
      if (element && element.textContent !== body.cells[id]) { element.textContent = body.cells[id]; }
    });
    Object.keys(body.tables).forEach(function (id) { fillTable(id, body.tables[id]); });
    if (Date.now() - lastCharts >= 10000) {
      lastCharts = Date.now();
      document.querySelectorAll("img.chart").forEach(function (img) {
        img.src = "/ops/charts/" + img.dataset.chart + ".svg?t=" + lastCharts;
      });
    }
  }

  function poll() {
    fetch("/ops/figures.json", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (body.state === "signed_out") { window.location.assign(body.next); return; }
        if (stale) { stale.hidden = true; }
        show(body);
      })
      .catch(function () { if (stale) { stale.hidden = false; } })
      .finally(function () { window.setTimeout(poll, every); });
  }

  window.setTimeout(poll, every);
}());
