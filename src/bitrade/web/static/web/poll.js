// Conditional polling for self-refreshing parts of a page (the inbox): an element with
// `data-conditional` sends the ETag of what it shows in If-None-Match; a 304 answer leaves the page
// exactly as it is, and a 200 answer is swapped in and its ETag remembered for the next poll.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.hasAttribute("data-conditional") && elt.dataset.etag) {
      evt.detail.headers["If-None-Match"] = elt.dataset.etag;
    }
  });
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var elt = evt.detail.elt;
    if (!elt || !elt.hasAttribute("data-conditional")) {
      return;
    }
    var xhr = evt.detail.xhr;
    if (xhr.status === 304) {
      evt.detail.shouldSwap = false;
      evt.detail.isError = false;
      return;
    }
    var etag = xhr.getResponseHeader("ETag");
    if (etag && xhr.status === 200) {
      elt.dataset.etag = etag;
    }
  });
})();
