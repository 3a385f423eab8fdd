// "Insert from the library" for CKEditor 5 fields (django-ckeditor-5), and the chosen
// image of image fields shown at once (at the end).
//
// Every textarea with data-library-chooser="<image changelist URL>" gets a button after its
// editor. The button opens the image library as a Django admin popup, exactly as a raw-id
// "lookup" would (Django's RelatedObjectLookups.js): the popup's window name points at a
// hidden input made here. When an image is picked in the popup, or uploaded there with
// "add image", Django calls opener.dismissRelatedLookupPopup (or
// dismissAddRelatedObjectPopup). Both are wrapped: Django's own function still runs (it
// sets the value, closes the popup, keeps its bookkeeping); for our inputs the image's data
// is then read from "<changelist URL><id>/auswahl/" and inserted at the cursor with the
// editor's insertImage command. Every other popup of the page works as before.
//
// Texts are German by default; data-library-chooser-label, -inserted and -error on the
// textarea replace them (e.g. with translated strings from the server).
"use strict";
(function () {
  const TEXTS = {
    label: "Bild aus der Bibliothek einfügen",
    inserted: "Bild eingefügt: %(title)s",
    error: "Das Bild konnte nicht eingefügt werden. Bitte versuchen Sie es erneut.",
  };
  const INPUT_SUFFIX = "_library_choice";
  const choosers = {}; // hidden input id -> {textarea, status}

  function text(textarea, key) {
    const attr = "libraryChooser" + key.charAt(0).toUpperCase() + key.slice(1);
    return textarea.dataset[attr] || TEXTS[key];
  }

  function editorFor(textarea) {
    // django-ckeditor-5 keeps its editors by the textarea's id (app.js: window.editors).
    return (window.editors || {})[textarea.id] || null;
  }

  function chooserUrl(base, extra) {
    const url = new URL(base, window.location.href);
    Object.keys(extra).forEach(function (key) {
      url.searchParams.set(key, extra[key]);
    });
    return url;
  }

  function openLibrary(textarea, input) {
    const url = chooserUrl(textarea.dataset.libraryChooser, { _popup: 1, _to_field: "id" });
    if (typeof window.showRelatedObjectLookupPopup === "function") {
      // Django names the window after the input ("lookup_" is stripped) and numbers it.
      window.showRelatedObjectLookupPopup({ id: "lookup_" + input.id, href: url.href });
    } else {
      const win = window.open(url.href, input.id + "__1", "height=600,width=900,resizable=yes,scrollbars=yes");
      if (win) {
        win.focus();
      }
    }
  }

  function report(chooser, message, isError) {
    chooser.status.textContent = message;
    chooser.status.classList.toggle("library-chooser__status--error", Boolean(isError));
  }

  // The library's JSON for one image (images.admin choose_view).
  function imageData(url) {
    return fetch(url.href, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    });
  }

  function insert(chooser, imageId) {
    const textarea = chooser.textarea;
    const base = new URL(textarea.dataset.libraryChooser, window.location.href);
    const url = new URL(encodeURIComponent(imageId) + "/auswahl/", base);
    imageData(url)
      .then(function (image) {
        const editor = editorFor(textarea);
        const command = editor && editor.commands.get("insertImage");
        if (!command || !command.isEnabled) {
          throw new Error("insertImage is not available here");
        }
        editor.execute("insertImage", {
          source: [{ src: image.src, alt: image.alt, width: image.width, height: image.height }],
        });
        editor.editing.view.focus();
        report(chooser, text(textarea, "inserted").replace("%(title)s", image.title || image.alt), false);
      })
      .catch(function (error) {
        report(chooser, text(textarea, "error"), true);
        if (window.console) {
          console.error(error);
        }
      });
  }

  function chooserFor(win) {
    // The popup's name is the input's id plus Django's popup index ("__1").
    const name = (win && win.name ? win.name : "").replace(/__\d+$/, "");
    return Object.prototype.hasOwnProperty.call(choosers, name) ? choosers[name] : null;
  }

  function wrap(functionName) {
    const original = window[functionName];
    if (typeof original !== "function" || original.libraryChooserWrapped) {
      return;
    }
    const wrapped = function (win, chosenId) {
      const chooser = chooserFor(win);
      const result = original.apply(this, arguments);
      if (chooser) {
        insert(chooser, String(chosenId));
      }
      return result;
    };
    wrapped.libraryChooserWrapped = true;
    window[functionName] = wrapped;
  }

  function addChooser(textarea) {
    if (!textarea.id || textarea.dataset.libraryChooserReady) {
      return;
    }
    textarea.dataset.libraryChooserReady = "1";
    const input = document.createElement("input");
    input.type = "hidden";
    input.id = textarea.id + INPUT_SUFFIX; // no name: never submitted

    const button = document.createElement("button");
    button.type = "button";
    button.className = "button library-chooser__button";
    button.textContent = text(textarea, "label");

    const status = document.createElement("span");
    status.className = "library-chooser__status";
    status.setAttribute("role", "status");

    const wrapper = document.createElement("div");
    wrapper.className = "library-chooser";
    wrapper.append(button, input, status);
    // After the editor's container (django-ckeditor-5's widget), below the field's row.
    const container = textarea.closest(".ck-editor-container") || textarea;
    const row = container.closest(".flex-container") || container;
    row.after(wrapper);

    choosers[input.id] = { textarea: textarea, status: status };
    button.addEventListener("click", function () {
      report(choosers[input.id], "", false);
      openLibrary(textarea, input);
    });
  }

  // Image fields (images.widgets.ImageChooserWidget): the raw id input holds the chosen
  // image's number; its thumbnail, credit and title are shown at once, read from the same
  // "<id>/auswahl/" address, not only after saving.
  function showChosen(preview, input) {
    const id = input.value.trim();
    const label = input.parentElement.querySelector(":scope > strong");
    if (!/^\d+$/.test(id)) {
      preview.replaceChildren();
      if (label) {
        label.remove();
      }
      return;
    }
    const url = new URL(id + "/auswahl/", new URL(preview.dataset.library, window.location.href));
    imageData(url)
      .then(function (image) {
        if (input.value.trim() !== id) {
          return; // another image was chosen meanwhile
        }
        const picture = document.createElement("img");
        picture.src = image.thumbnail.src;
        picture.width = image.thumbnail.width;
        picture.height = image.thumbnail.height;
        picture.alt = ""; // the title beside the field names it
        const credit = document.createElement("span");
        if (image.credit) {
          credit.textContent = preview.dataset.labelCredit + ": " + image.credit;
        } else {
          credit.className = "errornote";
          credit.textContent = preview.dataset.msgNoCredit;
        }
        preview.replaceChildren(picture, credit);
        // Django's label after the magnifier, as the saved form shows it.
        const link = document.createElement("a");
        link.href = image.url;
        link.textContent = image.title;
        const strong = label || document.createElement("strong");
        strong.replaceChildren(link);
        if (!label) {
          input.parentElement.append(" ", strong);
        }
      })
      .catch(function (error) {
        preview.replaceChildren(); // no number of a library image: nothing to show
        if (window.console) {
          console.error(error);
        }
      });
  }

  function addPreview(preview) {
    const input = document.getElementById(preview.dataset.imageChooser);
    if (!input) {
      return;
    }
    const update = function () {
      showChosen(preview, input);
    };
    // Django's popup announces the choice with a jQuery "change"; jQuery sees typed ones too.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(input).on("change", update);
    } else {
      input.addEventListener("change", update);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    // By now Django's RelatedObjectLookups.js has defined the functions the popup calls.
    wrap("dismissRelatedLookupPopup");
    wrap("dismissAddRelatedObjectPopup");
    document.querySelectorAll("textarea[data-library-chooser]").forEach(addChooser);
    document.querySelectorAll("[data-image-chooser]").forEach(addPreview);
  });
})();
