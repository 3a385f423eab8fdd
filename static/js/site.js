/*
 * The reading pages' own script: the menu button and the teasers' "vor 2 Std.".
 * Both improve a page that works without it: no-script.css then shows the whole
 * navigation, and the teasers keep the time or date the server wrote.
 */
(function () {
  "use strict";

  // --- Menu: a disclosure button that opens the navigation below the header bar.
  var button = document.querySelector("[data-menu-button]");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (button && menu) {
    var header = button.closest(".site-header");
    var isOpen = function () {
      return button.getAttribute("aria-expanded") === "true";
    };
    var setOpen = function (open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("is-open", open);
    };
    button.addEventListener("click", function () {
      setOpen(!isOpen());
      if (isOpen()) {
        // Keyboard and screen reader users land on the first section.
        menu.querySelector("a").focus();
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen()) {
        setOpen(false);
        button.focus();
      }
    });
  }

  // --- Teaser times: "vor 2 Std." for today's articles, the date before that. The page
  // may come from a cache, so the server's "14:30 Uhr" is rewritten against the clock.
  var script = document.currentScript;
  var texts = {
    now: script.getAttribute("data-just-now"),
    minutes: script.getAttribute("data-minutes-ago"),
    hours: script.getAttribute("data-hours-ago")
  };
  var day = new Intl.DateTimeFormat("de-DE", {
    timeZone: script.getAttribute("data-time-zone") || undefined, day: "2-digit", month: "2-digit", year: "numeric"
  });
  var now = Date.now();
  var today = day.format(now);
  document.querySelectorAll("time[data-relative]").forEach(function (el) {
    var published = Date.parse(el.getAttribute("datetime"));
    if (isNaN(published) || published > now) {
      return;
    }
    var minutes = Math.floor((now - published) / 60000);
    if (day.format(published) !== today) {
      el.textContent = day.format(published);
    } else if (minutes < 1) {
      el.textContent = texts.now;
    } else if (minutes < 60) {
      el.textContent = texts.minutes.replace("{n}", minutes);
    } else {
      el.textContent = texts.hours.replace("{n}", Math.floor(minutes / 60));
    }
  });
})();
