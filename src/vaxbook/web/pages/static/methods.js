// Keeps each verification method's congestion light current while the form is open.
(function () {
  "use strict";
  var lights = document.querySelectorAll(".light[data-method]");
  if (!lights.length) { return; }
  var words = {};
  lights.forEach(function (light) {
    words[light.dataset.method] = light;
  });
  var levels = ["smooth", "busy", "congested"];
  function refresh() {
    fetch("/verify/methods.json", { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        body.methods.forEach(function (m) {
          var light = words[m.method];
          if (!light) { return; }
          levels.forEach(function (level) { light.classList.toggle(level, level === m.level); });
          light.querySelector(".level").textContent = m.level_text;
          light.querySelector(".wait").textContent = m.wait_text;
        });
      })
      .catch(function () { /* keep the last figures */ })
      .finally(function () { window.setTimeout(refresh, 5000); });
  }
  window.setTimeout(refresh, 5000);
}());
