/* Biträde: small behaviours without inline scripts (the Content-Security-Policy allows no inline code).
   - On a phone a list table reads as cards; each cell is labelled with its column's header.
   - A select with data-autosubmit sends its form when changed (the role switch).
   - A button with data-copy copies the text of the element it names (API keys).
   - The case page is a work surface: a form posted inside [data-case-surface] replaces only that region
     (htmx), the page keeps its scroll position and the sections the user opened, and the result is shown
     next to the form that was sent (focus moves there). Without JavaScript the forms post and reload. */
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

  function surfaceForms(root) {
    var scope = root.matches && root.matches("[data-case-surface]") ? [root] :
      Array.prototype.slice.call(root.querySelectorAll("[data-case-surface]"));
    scope.forEach(function (surface) {
      surface.querySelectorAll("form[method=post]").forEach(function (form) {
        if (form.hasAttribute("hx-post") || !window.htmx) { return; }
        form.setAttribute("hx-post", form.getAttribute("action") || window.location.pathname);
        window.htmx.process(form);
      });
    });
  }

  function sectionKeys(surface) {
    var seen = {};
    return Array.prototype.map.call(surface.querySelectorAll("details"), function (d) {
      var summary = d.querySelector("summary");
      var key = d.id || (summary ? summary.textContent.trim() : "");
      seen[key] = (seen[key] || 0) + 1;
      return { element: d, key: key + "#" + seen[key] };
    });
  }

  var before = null;

  // While a step is on its way the surface is busy: its controls are disabled, so that nothing is typed
  // into or sent from a form that the answer is about to replace.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var surface = document.getElementById("case-main");
    if (!surface || !surface.contains(event.detail.elt)) { return; }
    surface.setAttribute("aria-busy", "true");
    surface.querySelectorAll("button, input, select, textarea").forEach(function (c) {
      if (!c.disabled) { c.disabled = true; c.setAttribute("data-busy", ""); }
    });
  });

  document.addEventListener("htmx:afterRequest", function () {
    var surface = document.getElementById("case-main");
    if (!surface || !surface.hasAttribute("aria-busy")) { return; }
    surface.removeAttribute("aria-busy");  // still the old region (the step failed): give the controls back
    surface.querySelectorAll("[data-busy]").forEach(function (c) { c.disabled = false; c.removeAttribute("data-busy"); });
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var surface = document.getElementById("case-main");
    if (!surface || event.detail.target !== surface) { return; }
    if (event.detail.xhr.responseText.indexOf('id="case-main"') === -1) {
      // The step led somewhere else (a console, a list): go there as a plain page.
      event.detail.shouldSwap = false;
      window.location.assign(event.detail.xhr.responseURL || window.location.href);
      return;
    }
    var open = {};
    sectionKeys(surface).forEach(function (s) { open[s.key] = s.element.open; });
    var sent = event.detail.requestConfig && event.detail.requestConfig.elt;
    before = { open: open, action: sent && sent.getAttribute ? sent.getAttribute("action") : null };
  });

  document.addEventListener("htmx:afterSettle", function () {
    var surface = document.getElementById("case-main");
    if (!surface || !before) { return; }
    var state = before;
    before = null;
    sectionKeys(surface).forEach(function (s) {
      // Reopen what the user had open; a section the page now opens by itself (the next thing to do) stays open.
      if (state.open[s.key]) { s.element.open = true; }
    });
    var result = surface.querySelector(".messages");
    if (!result) { return; }
    var form = state.action && surface.querySelector('form[action="' + state.action.replace(/"/g, '\\"') + '"]');
    if (form && form.offsetParent !== null) {  // the form is still offered: show the result beside it
      form.parentNode.insertBefore(result, form.nextSibling);
    }
    result.focus({ preventScroll: true });
    result.scrollIntoView({ block: "nearest" });
  });

  function surfaceFailed(event) {
    var surface = document.getElementById("case-main");
    var sent = event.detail && event.detail.elt;
    if (!surface || !sent || !surface.contains(sent)) { return; }
    var note = document.createElement("ul");
    note.className = "messages";
    note.setAttribute("role", "alert");
    note.setAttribute("tabindex", "-1");
    var item = document.createElement("li");
    item.className = "error";
    item.textContent = surface.getAttribute("data-failed-text") || "Det gick inte att spara. Ladda om sidan och försök igen.";
    note.appendChild(item);
    var form = sent.closest("form") || sent;
    form.parentNode.insertBefore(note, form.nextSibling);
    note.focus({ preventScroll: true });
  }

  document.addEventListener("htmx:responseError", surfaceFailed);
  document.addEventListener("htmx:sendError", surfaceFailed);

  function init(root) { labelCells(root); autosubmit(root); copyButtons(root); surfaceForms(root); }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
  document.addEventListener("htmx:afterSettle", function () {
    var surface = document.getElementById("case-main");
    if (surface) { surfaceForms(surface); }
  });
}());
