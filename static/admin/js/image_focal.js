// The focal-point picker of the image library (templates/admin/images/image/change_form.html):
// a click on the preview sets the two focal point fields (0–100 % from the left and from the
// top) and moves the marker; typing in the fields moves it too. The crops beside the preview
// show what teasers and author photos will keep, as the server crops (images/renditions.py:
// the focal point keeps its relative place, which is what CSS object-position does).
// The marker is decorative: the number fields are the accessible way to set the point.
"use strict";
(function () {
  function clamp(value) {
    return Math.min(100, Math.max(0, Math.round(value)));
  }

  function setup(box) {
    const inputX = document.getElementById(box.dataset.focalX);
    const inputY = document.getElementById(box.dataset.focalY);
    const fileInput = document.getElementById(box.dataset.fileInput);
    const picture = box.querySelector(".image-focal__picture");
    const marker = box.querySelector(".image-focal__marker");
    const crops = box.querySelector(".image-focal__crops");
    const cropPictures = crops ? crops.querySelectorAll("img") : [];
    const editable = Boolean(inputX && inputY); // not for users who may only view
    let objectUrl = null;

    function read(input, fallback) {
      if (!input) {
        return clamp(Number(fallback) || 50);
      }
      const number = parseInt(input.value, 10);
      return Number.isNaN(number) ? 50 : clamp(number);
    }

    function update() {
      const x = read(inputX, box.dataset.focalXValue);
      const y = read(inputY, box.dataset.focalYValue);
      // CSSOM, not style attributes: allowed under a Content Security Policy.
      marker.style.left = x + "%";
      marker.style.top = y + "%";
      marker.hidden = false;
      cropPictures.forEach(function (img) {
        img.style.objectPosition = x + "% " + y + "%";
      });
    }

    function show() {
      box.hidden = false;
      if (crops) {
        crops.hidden = false;
      }
      const help = box.querySelector(".image-focal__help");
      if (help && editable) {
        help.hidden = false;
      }
      update();
    }

    if (editable) {
      picture.classList.add("image-focal__picture--pickable");
      picture.addEventListener("click", function (event) {
        const rect = picture.getBoundingClientRect();
        if (!rect.width || !rect.height) {
          return;
        }
        inputX.value = clamp(((event.clientX - rect.left) / rect.width) * 100);
        inputY.value = clamp(((event.clientY - rect.top) / rect.height) * 100);
        // Other scripts (and Django's "unsaved changes" checks) see a normal edit.
        inputX.dispatchEvent(new Event("change", { bubbles: true }));
        inputY.dispatchEvent(new Event("change", { bubbles: true }));
        update();
      });
      [inputX, inputY].forEach(function (input) {
        input.addEventListener("input", update);
        input.addEventListener("change", update);
      });
    }

    // A newly chosen file is previewed at once, before it is uploaded.
    if (fileInput && editable && window.URL && URL.createObjectURL) {
      fileInput.addEventListener("change", function () {
        const file = fileInput.files && fileInput.files[0];
        if (!file || !/^image\//.test(file.type)) {
          return;
        }
        if (objectUrl) {
          URL.revokeObjectURL(objectUrl);
        }
        objectUrl = URL.createObjectURL(file);
        [picture].concat(Array.from(cropPictures)).forEach(function (img) {
          img.removeAttribute("width");
          img.removeAttribute("height");
          img.src = objectUrl;
        });
        show();
      });
    }

    // The template shows the picker (not `hidden`) when the image has a preview.
    if (!box.hidden) {
      show();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-focal-picker]").forEach(setup);
  });
})();
