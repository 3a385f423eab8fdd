/*
 * "Meistgelesen": report that this article was read, once per page view.
 *
 * In the browser rather than while rendering, so that pages served from a cache (the
 * browser's, Varnish) are counted as well. Sends only the article's id to our own
 * server: no cookie, no identifier, no third-party request.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    return;
  }
  var endpoint = script.getAttribute("data-endpoint");
  var article = script.getAttribute("data-article");
  if (!endpoint || !article) {
    return;
  }
  function report() {
    var body = new URLSearchParams({ article: article });
    if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint, body))) {
      fetch(endpoint, { method: "POST", body: body, keepalive: true, credentials: "omit" })
        .catch(function () {});
    }
  }
  if (document.readyState === "complete") {
    report();
  } else {
    window.addEventListener("load", report, { once: true });
  }
})();
