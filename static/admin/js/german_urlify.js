// Django's URLify (admin/js/urlify.js) turns "ü" into "u"; German spells umlauts out.
// Wrap it so the admin's prefilled slug matches newsroom.text.slugify_de on the server.
"use strict";
(function () {
  const original = window.URLify;
  if (typeof original !== "function") {
    return;
  }
  const map = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"};
  window.URLify = function (s, numChars, allowUnicode) {
    return original(String(s).replace(/[äöüÄÖÜßẞ]/g, (c) => map[c]), numChars, allowUnicode);
  };
})();
