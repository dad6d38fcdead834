/* Biträde: small behaviours without inline scripts (the Content-Security-Policy allows no inline code).
   - On a phone a list table reads as cards; each cell is labelled with its column's header.
   - A select with data-autosubmit sends its form when changed (the role switch).
   - A button with data-copy copies the text of the element it names (API keys). */
(function () {
  "use strict";

  function labelCells(root) {
    root.querySelectorAll("table:not(.keep-table)").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      if (!heads.length) { return; }
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (cell, i) {
          if (heads[i] && !cell.hasAttribute("data-label") && !cell.hasAttribute("colspan")) {
            cell.setAttribute("data-label", heads[i]);
          }
        });
      });
    });
  }

  function autosubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      if (select.dataset.autosubmitBound) { return; }
      select.dataset.autosubmitBound = "1";
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function copyButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (button.dataset.copyBound) { return; }
      button.dataset.copyBound = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        var status = document.getElementById(button.getAttribute("data-copy-status"));
        if (!source) { return; }
        var text = source.textContent.trim();
        var done = function () { if (status) { status.textContent = button.getAttribute("data-copied") || "Kopierad."; } };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { select(source); });
        } else {
          select(source);
          try { document.execCommand("copy"); done(); } catch (e) { /* the text is selected: copy by hand */ }
        }
      });
    });
  }

  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function init(root) { labelCells(root); autosubmit(root); copyButtons(root); }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
}());
