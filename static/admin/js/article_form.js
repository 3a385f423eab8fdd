// Character counters under the headline and teaser of the article form. The texts arrive
// translated in the widget's data attributes (articles/admin.py, _add_counters).
"use strict";
(function () {
  const PAUSE_MS = 1000;

  function format(template, count, max) {
    return template.replace("%(count)s", count).replace("%(max)s", max);
  }

  function addCounter(field) {
    const max = Number(field.dataset.recommended);
    const counter = document.createElement("div");
    counter.id = field.id + "_counter";
    counter.className = "help article-counter";
    const text = document.createElement("span"); // carries the warning's highlight
    counter.append(text);
    // Not a live region: screen readers hear the count with the field (aria-describedby)
    // instead of after every keystroke.
    const described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", described ? described + " " + counter.id : counter.id);
    // Announced politely, and only when the text stays over (or back under) the
    // recommendation after a pause in typing.
    const live = document.createElement("span");
    live.className = "article-counter__live";
    live.setAttribute("aria-live", "polite");
    const row = field.closest(".flex-container") || field;
    row.after(counter, live);

    let announcedOver = null;
    let timer = null;
    function update() {
      const count = Array.from(field.value).length; // code points, as Django's max_length
      const over = count > max;
      const template = over ? field.dataset.counterOverTemplate : field.dataset.counterTemplate;
      text.textContent = format(template, count, max);
      counter.classList.toggle("article-counter--over", over);
      if (announcedOver === null) {
        announcedOver = over; // nothing to announce when the page opens
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (over !== announcedOver) {
          announcedOver = over;
          live.textContent = text.textContent;
        }
      }, PAUSE_MS);
    }
    field.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#article_form [data-counter-template]").forEach(addCounter);
  });
})();
