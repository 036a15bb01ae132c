// Polls a running import's status, updates its <progress> bars, and reloads the page when it ends.
(function () {
  "use strict";
  var root = document.querySelector("[data-import-status]");
  if (!root) { return; }
  var url = root.getAttribute("data-import-status");
  function show(job) {
    Object.keys(job.phases).forEach(function (p) {
      var bar = document.getElementById("phase-" + p);
      var label = document.getElementById("phase-" + p + "-label");
      var d = job.phases[p];
      if (bar) { bar.max = Math.max(d[1], 1); bar.value = d[0]; }
      if (label) { label.textContent = d[0].toLocaleString() + " / " + d[1].toLocaleString(); }
    });
  }
  function tick() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (job) {
        show(job);
        if (job.state === "running") { setTimeout(tick, 500); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 300);
})();
