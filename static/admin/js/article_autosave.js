// The article form keeps the journalist's work: headline, subtitle, teaser and text go to
// the server in the background (articles/autosave.py; nothing is published), the form can
// be filled again from that copy after a crash, and leaving with unsaved changes asks first.
// Saving the form first stores the text as the autosave: if the session has ended, the form
// is not sent (the login page would drop it) and says so, the text still in it.
// Settings and (translated) messages come from the data attributes of #article-autosave.
"use strict";
(function () {
  const FIELDS = {title: "id_title", kicker: "id_kicker", lead: "id_lead"};
  const BODY_ID = "id_body";

  function start() {
    const box = document.getElementById("article-autosave");
    const form = box && box.closest("form");
    if (!form) {
      return;
    }
    const status = box.querySelector("[data-autosave-status]");
    const interval = Math.max(1, Number(box.dataset.interval) || 30) * 1000;
    let editor = null;
    let dirty = false; // changes not yet saved with the form (for the leave warning)
    let submitting = false;
    let inFlight = null;
    // What the server last stored; the text sent back with errors (or after a colleague's
    // save, which is no error) is stored nowhere yet.
    let lastSent = document.querySelector(".errornote, .edit-conflict") ? "" : null;
    if (lastSent === "") {
      dirty = true;
    }

    function showStatus(text) {
      status.textContent = text;
    }

    function values() {
      const data = {};
      for (const [name, id] of Object.entries(FIELDS)) {
        const field = document.getElementById(id);
        data[name] = field ? field.value : "";
      }
      const textarea = document.getElementById(BODY_ID);
      data.body = editor ? editor.getData() : textarea ? textarea.value : "";
      return data;
    }

    // The token the form was loaded with is stale after a new login (in another tab); the
    // cookie holds the current one, which Django accepts in the form as well.
    function refreshToken() {
      const cookie = document.cookie.split("; ").find(function (pair) {
        return pair.startsWith("csrftoken=");
      });
      if (cookie) {
        form.querySelector("[name=csrfmiddlewaretoken]").value = cookie.split("=")[1];
      }
    }

    // Resolves to "saved", "unchanged", "logged-out" (the session has ended or the page's
    // token is no longer valid) or "failed"; `force` sends even an unchanged text.
    function send(force) {
      if (inFlight || submitting) {
        return inFlight || Promise.resolve("unchanged");
      }
      const data = values();
      const snapshot = JSON.stringify(data);
      if (snapshot === lastSent && !force) {
        return Promise.resolve("unchanged");
      }
      refreshToken();
      const body = new FormData();
      body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      for (const [name, value] of Object.entries(data)) {
        body.append(name, value);
      }
      const request = {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: {Accept: "application/json"},
      };
      inFlight = fetch(box.dataset.url, request)
        .then(function (response) {
          // An expired session ends on the login page (a redirect), not in JSON.
          if (response.redirected) {
            showStatus(box.dataset.msgLoggedOut);
            return "logged-out";
          }
          return response.json().then(function (answer) {
            if (answer.csrf) {
              // No valid token (cookies gone, or a new login): newsroom.views.csrf_failure.
              showStatus(box.dataset.msgLoggedOut);
              return "logged-out";
            }
            if (!response.ok) {
              showStatus(answer.error || box.dataset.msgFailed);
              return "failed";
            }
            lastSent = snapshot;
            showStatus(answer.label);
            return "saved";
          });
        })
        .catch(function () {
          showStatus(box.dataset.msgFailed); // offline or server down: the next round retries
          return "failed";
        })
        .finally(function () {
          inFlight = null;
        });
      return inFlight;
    }

    function save() {
      return send(false).then(function (result) {
        return result === "saved";
      });
    }

    // Shown at the top of the form when saving found the session ended.
    function showNotSent() {
      let note = form.querySelector("[data-autosave-not-sent]");
      if (!note) {
        note = document.createElement("p");
        note.className = "errornote";
        note.setAttribute("role", "alert");
        note.dataset.autosaveNotSent = "";
        form.prepend(note);
      }
      const link = document.createElement("a");
      link.href = box.dataset.loginUrl;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = box.dataset.msgLogIn;
      note.replaceChildren(box.dataset.msgNotSent + " ", link);
      note.scrollIntoView({block: "center"});
    }

    function post(url) {
      const body = new FormData();
      body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      return fetch(url, {method: "POST", body: body, credentials: "same-origin"}).then(
        function (response) {
          return response.ok && !response.redirected;
        },
        function () {
          return false;
        }
      );
    }

    // CKEditor 5 starts after this script (django-ckeditor-5 keeps it in window.editors).
    function currentEditor() {
      return (window.editors && window.editors[BODY_ID]) || null;
    }
    let tries = 0;
    (function waitForEditor() {
      editor = currentEditor();
      if (!editor && document.getElementById(BODY_ID) && tries++ < 300) {
        setTimeout(waitForEditor, 100);
        return;
      }
      // The baseline: the text as loaded, the body in CKEditor's own spelling.
      if (lastSent === null) {
        lastSent = JSON.stringify(values());
      }
      if (editor) {
        editor.model.document.on("change:data", function () {
          dirty = true;
        });
      }
    })();

    function markDirty() {
      dirty = true;
    }
    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    if (window.django && window.django.jQuery) {
      window.django.jQuery(form).on("change", markDirty); // select2 announces through jQuery
    }
    // Sending the form: the text goes to the autosave first, which tells whether the
    // session still holds; only then is the form sent for real (checked = true).
    let checked = false;
    let checking = false; // a second click while the check runs sends nothing twice
    form.addEventListener("submit", function (event) {
      if (checked || !box.dataset.url) {
        submitting = true;
        return;
      }
      event.preventDefault();
      if (checking) {
        return;
      }
      checking = true;
      const submitter = event.submitter;
      send(true).then(function (result) {
        checking = false;
        if (result === "logged-out") {
          showNotSent();
          return;
        }
        refreshToken();
        checked = true;
        form.requestSubmit(submitter || undefined);
        checked = false; // a form sent back by the browser's cache checks again
      });
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty && !submitting) {
        event.preventDefault();
        event.returnValue = ""; // older browsers need it set to ask
      }
    });
    // Back from the next page to this one as it was (the browser's page cache).
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        submitting = false;
      }
    });

    setInterval(function () {
      if (lastSent !== null) {
        save();
      }
    }, interval);

    // The offer to restore.
    const offer = box.querySelector("[data-autosave-offer]");
    const stored = document.getElementById("article-autosave-data");

    function restore() {
      const data = JSON.parse(stored.textContent);
      for (const [name, id] of Object.entries(FIELDS)) {
        const field = document.getElementById(id);
        if (field && typeof data[name] === "string") {
          field.value = data[name];
          // "change" lets the admin prefill a new article's slug from the headline.
          field.dispatchEvent(new Event("change", {bubbles: true}));
        }
      }
      if (typeof data.body === "string") {
        const target = currentEditor();
        if (target) {
          target.setData(data.body);
        } else {
          // CKEditor, still starting, takes its text from the textarea.
          document.getElementById(BODY_ID).value = data.body;
        }
      }
      dirty = true;
      offer.remove();
      showStatus(box.dataset.msgRestored);
      // The autosave stays on the server: it is the text in the form until the next round.
    }

    function discard() {
      return post(box.dataset.discardUrl).then(function (done) {
        if (done) {
          offer.remove();
          showStatus(box.dataset.msgDiscarded);
        } else {
          showStatus(box.dataset.msgFailed);
        }
        return done;
      });
    }

    if (offer && stored) {
      offer.querySelector("[data-autosave-restore]").addEventListener("click", restore);
      offer.querySelector("[data-autosave-discard]").addEventListener("click", discard);
    }

    // For tests and the curious: save at once instead of waiting for the next round.
    window.newsroomAutosave = {saveNow: save, discard: discard, isDirty: () => dirty};
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
