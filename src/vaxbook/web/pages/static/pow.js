// Bot friction: before the verification form is sent, a Web Worker finds the proof of work,
// so the page stays responsive; the status line says why the button waits.
(function () {
  "use strict";
  var form = document.querySelector("form[action='/verify']");
  var challenge = form && form.querySelector("input[name=pow_challenge]");
  if (!challenge) { return; }
  var solution = form.querySelector("input[name=pow_solution]");
  var status = document.getElementById("pow-status");
  var working = false;
  form.addEventListener("submit", function (event) {
    if (solution.value) { return; }
    event.preventDefault();
    if (working) { return; }
    working = true;
    status.hidden = false;
    var worker = new Worker("/static/pow-worker.js");
    worker.onmessage = function (message) {
      solution.value = message.data;
      worker.terminate();
      form.submit();
    };
    worker.postMessage({ challenge: challenge.value, difficulty: Number(challenge.dataset.difficulty) });
  });
}());
