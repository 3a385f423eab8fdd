// "Planen…" on the article form (admin/articles/article/_schedule.html): a quick choice puts
// its moment into the date and time field, and Enter in that field plans rather than saves
// (the form's first button, "Sichern", would otherwise take it).
"use strict";
(function () {
  document.addEventListener("click", function (event) {
    const choice = event.target.closest("[data-schedule-at]");
    if (!choice) {
      return;
    }
    const field = document.getElementById(choice.dataset.scheduleFor);
    field.value = choice.dataset.scheduleAt;
    field.focus();
  });
  document.addEventListener("keydown", function (event) {
    const panel = event.target.closest && event.target.closest(".article-schedule");
    if (event.key !== "Enter" || !panel || event.target.tagName !== "INPUT") {
      return;
    }
    event.preventDefault();
    panel.querySelector("[name=_schedule]").click();
  });
})();
