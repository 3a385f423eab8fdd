"use strict";
// Every admin screen (accounts/templates/admin/base_site.html). The autocomplete pickers
// (select2) give their combobox and search box no accessible name (WCAG 4.1.2): both get the
// field's label, the combobox followed by the choice it shows.
{
  const labelId = (select) => {
    const label = select.id && document.querySelector(`label[for="${select.id}"]`);
    if (!label) return null;
    label.id ||= `${select.id}_label`;
    return label.id;
  };

  const name = (select) => {
    const id = labelId(select);
    const container = select.nextElementSibling; // select2 puts its widget right after
    if (!id || !container || !container.classList.contains("select2")) return;
    for (const box of container.querySelectorAll(".select2-selection[role=combobox]")) {
      const shown = box.querySelector(".select2-selection__rendered");
      box.setAttribute("aria-labelledby", shown && shown.id ? `${id} ${shown.id}` : id);
      // The single picker's choice is a read-only textbox: named by the label too.
      if (shown && shown.getAttribute("role") === "textbox") {
        shown.setAttribute("aria-labelledby", id);
      }
    }
    // The chosen names' list also holds select2's "remove all" button, a span.
    for (const list of container.querySelectorAll("ul.select2-selection__rendered")) {
      list.setAttribute("role", "list");
    }
    for (const field of container.querySelectorAll(".select2-search__field")) {
      field.setAttribute("aria-labelledby", id);
    }
  };

  const jQuery = window.django && window.django.jQuery;
  if (jQuery) {
    // Runs after admin/js/autocomplete.js has made the pickers (this file is deferred).
    jQuery(() => document.querySelectorAll("select.admin-autocomplete").forEach(name));
    // Open, the combobox names its list with aria-controls (ARIA 1.2), not only aria-owns.
    const boxes = (select) =>
      select.nextElementSibling
        ? select.nextElementSibling.querySelectorAll(".select2-selection[role=combobox]")
        : [];
    jQuery(document).on("select2:open", (event) => {
      const id = labelId(event.target);
      const search = document.querySelector(".select2-container--open .select2-search__field");
      if (id && search) search.setAttribute("aria-labelledby", id);
      for (const box of boxes(event.target)) {
        const list = box.getAttribute("aria-owns");
        if (list) box.setAttribute("aria-controls", list);
      }
    });
    jQuery(document).on("select2:close", (event) => {
      for (const box of boxes(event.target)) box.removeAttribute("aria-controls");
    });
  }
}
