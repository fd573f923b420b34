// The page of a large import that the worker runs (templates/admin/imports/job.html): ask every
// three seconds whether it is still running, and show the result page once it is done.
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box) { return; }
  var url = box.getAttribute("data-state-url");
  function check() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { running: true }; })
      .then(function (state) {
        if (state.running) { window.setTimeout(check, 3000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(check, 3000); });
  }
  window.setTimeout(check, 3000);
})();
