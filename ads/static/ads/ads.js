/*
 * Ads: count impressions and keep rotation right, also when the page HTML is cached.
 *
 * Why in the browser: a page may be served from a cache (a proxy, or Django's cache)
 * without running any of our code. Counting impressions while rendering would then
 * miss every cached view, and the banner picked at render time would stick for the
 * cache's lifetime. So the server renders one ad per slot (readers without JavaScript
 * see ads, no layout shift) plus the slot's other live ads in an inert <template>;
 * if the HTML is older than a minute, this script picks again by weight. It then
 * reports the ids of the ads actually seen (at least half in view) to our own endpoint,
 * which counts per ad and day. First-party only: no cookies, no identifiers, no
 * third-party code. Clicks are counted by the server's redirect and need no script.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    return;
  }
  var endpoint = script.getAttribute("data-endpoint");
  var rendered = Number(script.getAttribute("data-rendered")) || 0;
  var STALE_AFTER_SECONDS = 60;

  function weightOf(el) {
    return Math.max(1, Number(el.getAttribute("data-weight")) || 1);
  }

  function pick(options) {
    var total = options.reduce(function (sum, el) { return sum + weightOf(el); }, 0);
    var r = Math.random() * total;
    for (var i = 0; i < options.length; i++) {
      r -= weightOf(options[i]);
      if (r < 0) {
        return options[i];
      }
    }
    return options[options.length - 1];
  }

  function rotate(container) {
    var current = container.querySelector("[data-ad]");
    var template = container.querySelector("template[data-ad-alternatives]");
    if (!current || !template) {
      return;
    }
    var options = [current].concat(
      Array.prototype.slice.call(template.content.querySelectorAll("[data-ad]"))
    );
    var chosen = pick(options);
    if (chosen !== current) {
      current.replaceWith(document.importNode(chosen, true));
    }
  }

  if (Date.now() / 1000 - rendered > STALE_AFTER_SECONDS) {
    document.querySelectorAll("[data-ad-rotate]").forEach(rotate);
  }

  var pending = [];
  var timer = null;

  function flush() {
    timer = null;
    if (!pending.length || !endpoint) {
      return;
    }
    var body = new URLSearchParams({ shown: pending.join(" ") });
    pending = [];
    if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint, body))) {
      fetch(endpoint, { method: "POST", body: body, keepalive: true, credentials: "omit" })
        .catch(function () {});
    }
  }

  function seen(el) {
    var id = el.getAttribute("data-ad");
    if (pending.indexOf(id) === -1) {
      pending.push(id);
    }
    if (!timer) {
      timer = setTimeout(flush, 500);
    }
  }

  var ads = document.querySelectorAll("[data-ad]");
  if (!("IntersectionObserver" in window)) {
    ads.forEach(seen);
    return;
  }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      // Half the ad in view, or half the screen filled by it (a long job ad page).
      var visible = entry.intersectionRatio >= 0.5 ||
        entry.intersectionRect.height >= window.innerHeight / 2;
      if (entry.isIntersecting && visible) {
        observer.unobserve(entry.target);
        seen(entry.target);
      }
    });
  }, { threshold: [0, 0.25, 0.5] });
  ads.forEach(function (el) { observer.observe(el); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush();
    }
  });
})();
