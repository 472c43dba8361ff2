// Live import status in the admin: polls the staff-only status endpoint every two
// seconds while an import on the page is queued or running, redraws its cell, and
// reloads the page once one finishes (dates, error and report then show).
(function () {
  "use strict";
  var INTERVAL_MS = 2000;

  function activeCells() {
    return Array.prototype.filter.call(
      document.querySelectorAll(".import-progress[data-import-id]"),
      function (cell) { return cell.dataset.status === "queued" || cell.dataset.status === "running"; }
    );
  }

  function redraw(cell, data) {
    var badge = cell.querySelector(".import-status");
    badge.textContent = data.status;
    badge.className = "import-status import-status-" + data.status;
    var bar = cell.querySelector(".import-bar");
    if (bar) {
      if (data.progress === null) { bar.removeAttribute("value"); } else { bar.value = data.progress; }
    }
    var parts = [];
    if (data.phase) { parts.push(data.phase); }
    if (data.rows) { parts.push(data.rows.toLocaleString() + " rows"); }
    if (data.progress !== null) { parts.push(Math.round(data.progress * 100) + "% read"); }
    cell.querySelector(".import-detail").textContent = parts.join(" · ");
    cell.dataset.status = data.status;
  }

  function poll() {
    var cells = activeCells();
    if (!cells.length) { return; }
    var ids = cells.map(function (cell) { return cell.dataset.importId; });
    var url = cells[0].dataset.statusUrl + "?ids=" + ids.join(",");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        var finished = false;
        body.imports.forEach(function (data) {
          document.querySelectorAll('.import-progress[data-import-id="' + data.id + '"]')
            .forEach(function (cell) { redraw(cell, data); });
          if (!data.active) { finished = true; }
        });
        if (finished) { window.location.reload(); return; }
        window.setTimeout(poll, INTERVAL_MS);
      })
      .catch(function () { window.setTimeout(poll, INTERVAL_MS * 3); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (activeCells().length) { window.setTimeout(poll, INTERVAL_MS); }
  });
})();
