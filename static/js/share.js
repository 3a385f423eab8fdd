/*
 * Sharing: "Link kopieren" (Clipboard API) and "Teilen" (Web Share API), shown only where
 * the browser has them; without this script the plain share links remain. Nothing is
 * loaded from the networks before the reader clicks one of the links.
 */
(function () {
  "use strict";
  document.querySelectorAll("[data-share]").forEach(function (box) {
    var url = box.getAttribute("data-url");
    var title = box.getAttribute("data-title");
    var status = box.querySelector("[data-share-status]");
    var copy = box.querySelector("[data-share-copy]");
    var native = box.querySelector("[data-share-native]");

    function announce(message) {
      // Emptied first, so that the same message is announced again on a second click.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 50);
    }

    if (copy && navigator.clipboard && window.isSecureContext) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(url).then(
          function () { announce(status.getAttribute("data-copied")); },
          function () { announce(status.getAttribute("data-failed")); }
        );
      });
    }
    if (native && navigator.share) {
      native.hidden = false;
      native.addEventListener("click", function () {
        navigator.share({ title: title, url: url }).catch(function () {});
      });
    }
  });
})();
