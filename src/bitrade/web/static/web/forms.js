/* Biträde: a page that shows form errors moves the focus to their summary ([data-focus-on-load]), so a
   screen reader reads what must be corrected and the keyboard starts from there. No inline scripts: the
   Content-Security-Policy allows none. */
(function () {
  "use strict";

  function focusOnLoad() {
    var target = document.querySelector("[data-focus-on-load]");
    if (!target) { return; }
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
    if (target.scrollIntoView) { target.scrollIntoView({block: "start"}); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusOnLoad);
  } else {
    focusOnLoad();
  }
})();
