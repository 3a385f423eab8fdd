// The article form's preview of its Google result and its shared card (WhatsApp, Facebook):
// follows what is typed and chosen. The fallbacks repeat Article.search_title and its
// siblings (articles/models.py), the cuts Google's (about 60 and 160 characters): keep
// both in step. Templates: admin/articles/article/_social_preview.html.
"use strict";
(function () {
  const TITLE_LENGTH = 60;
  const DESCRIPTION_LENGTH = 160; // articles.models.DESCRIPTION_LENGTH
  const EXCERPT_WORDS = 30; // Article.excerpt without a teaser
  const LARGE_IMAGE_WIDTH = 600; // Facebook's large card needs this much of the 1.91:1 crop

  function oneLine(text) {
    return text.replace(/\s+/g, " ").trim();
  }

  // articles.models.cut_at_word, counting code points as Python does.
  function cutAtWord(text, limit) {
    const chars = Array.from(oneLine(text));
    if (chars.length <= limit) {
      return chars.join("");
    }
    let cut = chars.slice(0, limit - 1).join("");
    if (chars[limit - 1] !== " " && cut.includes(" ")) {
      cut = cut.slice(0, cut.lastIndexOf(" "));
    }
    return cut.replace(/[ ,;:–-]+$/, "") + "…";
  }

  // The start of the text as Django's Truncator(...).words(30) gives it.
  function firstWords(html, count) {
    const text = new DOMParser().parseFromString(html, "text/html").body.textContent || "";
    const words = oneLine(text).split(" ").filter(Boolean);
    return words.length > count ? words.slice(0, count).join(" ") + "…" : words.join(" ");
  }

  function start(section) {
    const form = section.closest("form");
    if (!form || !form.elements.namedItem("title")) {
      return; // a read-only view: the server's preview stays
    }
    // Shown right after the fields it previews.
    const fieldset = form.elements.namedItem("seo_title")?.closest("fieldset");
    if (fieldset) {
      fieldset.after(section);
    }
    const data = section.dataset;
    const shown = {};
    section.querySelectorAll("[data-preview]").forEach(function (el) {
      shown[el.dataset.preview] = el;
    });
    // Library images: id -> {url, width} of the picture to show (the saved article's
    // 1200 × 630 crop; others as the library's choice view gives them, cropped here by CSS)
    // and of its 1.91:1 crop.
    const images = {};
    if (data.image) {
      images[data.image] = { url: data.imageUrl, width: Number(data.imageWidth) };
    }

    function value(name) {
      const field = form.elements.namedItem(name);
      return field && typeof field.value === "string" ? field.value.trim() : "";
    }

    function image(id) {
      if (!id || !/^\d+$/.test(id)) {
        return null;
      }
      if (!(id in images)) {
        images[id] = null; // asked once
        const url = new URL(id + "/auswahl/", new URL(data.chooseUrl, window.location.href));
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.ok ? response.json() : null;
          })
          .then(function (found) {
            if (found && found.src) {
              // The crop's width: the full width, unless the image is wider than 1.91:1.
              const wide = found.width * 21 > found.height * 40;
              const width = wide ? Math.floor((found.height * 40) / 21) : found.width;
              images[id] = { url: found.src, width: width };
              update();
            }
          })
          .catch(function () {}); // no picture in the preview; the form works on
      }
      return images[id];
    }

    function urlLine() {
      // Google: "https://host › dorsten › rathaus › slug".
      const parts = (data.path || "/").split("/").filter(Boolean);
      const slug = value("slug");
      if (slug) {
        parts[Math.max(parts.length - 1, 0)] = slug; // a new article: its category comes later
      }
      return [data.origin].concat(parts).join(" › ");
    }

    function showImage(chosen) {
      const url = chosen ? chosen.url : "";
      const box = shown["share-image"];
      let img = box.querySelector("img");
      if (url && !img) {
        img = document.createElement("img");
        img.alt = "";
        img.width = 1200;
        img.height = 630;
        box.prepend(img);
      }
      if (img && !url) {
        img.remove();
      } else if (img && img.getAttribute("src") !== url) {
        img.src = url;
      }
      box.querySelector(".share-card__no-image").hidden = Boolean(url);
      shown["small-image"].hidden = !chosen || chosen.width >= LARGE_IMAGE_WIDTH;
    }

    function update() {
      const title = value("title");
      const excerpt = value("lead") || firstWords(value("body"), EXCERPT_WORDS);
      const searchTitle = value("seo_title") || title;
      const searchDescription = value("meta_description") || cutAtWord(excerpt, DESCRIPTION_LENGTH);
      // An SEO title is the whole title (as articles/article.html writes it).
      const pageTitle = value("seo_title") ? searchTitle : title ? title + " – " + data.siteName : "";
      shown.url.textContent = urlLine();
      shown["search-title"].textContent = cutAtWord(pageTitle, TITLE_LENGTH);
      shown["search-description"].textContent = cutAtWord(searchDescription, DESCRIPTION_LENGTH);
      shown["share-title"].textContent = value("social_title") || title;
      shown["share-text"].textContent = value("social_text") || searchDescription;
      showImage(image(value("social_image")) || image(value("lead_image")));
    }

    let frame = null;
    function schedule() {
      if (frame === null) {
        frame = window.requestAnimationFrame(function () {
          frame = null;
          update();
        });
      }
    }
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    // A choice in the image library's popup is announced through jQuery only
    // (RelatedObjectLookups.js: dismissRelatedLookupPopup).
    if (window.django && window.django.jQuery) {
      window.django.jQuery(form).on("change", "input", schedule);
    }
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-social-preview]").forEach(start);
  });
})();
