// Who else has this article open (articles/presence.py): while the page is visible, the
// script tells the server every minute that its user is still here and shows the answer
// (a colleague who opens the form later appears without a reload); leaving the page
// removes the user's presence. It never blocks anything: the edit conflict merge stays the
// safety net. Settings come from the data attributes of [data-presence].
"use strict";
(function () {
  function start() {
    const box = document.querySelector("[data-presence]");
    const form = box && box.closest("form");
    if (!form || !box.dataset.url) {
      return; // read-only: nobody edits here
    }
    const interval = Math.max(1, Number(box.dataset.interval) || 60) * 1000;
    let submitting = false;
    let left = false;

    // As in article_autosave.js: after a new login the cookie holds the valid token.
    function token() {
      const cookie = document.cookie.split("; ").find(function (pair) {
        return pair.startsWith("csrftoken=");
      });
      return cookie
        ? cookie.split("=")[1]
        : form.querySelector("[name=csrfmiddlewaretoken]").value;
    }

    function body() {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", token());
      return data;
    }

    function show(message) {
      let note = box.querySelector(".article-notice");
      if (!message) {
        if (note) {
          note.remove();
        }
        return;
      }
      if (!note) {
        note = document.createElement("p");
        note.className = "article-notice";
        box.append(note);
      }
      if (note.textContent.trim() !== message) {
        note.textContent = message;
      }
    }

    function beat() {
      if (document.visibilityState !== "visible" || submitting) {
        return;
      }
      left = false;
      fetch(box.dataset.url, {
        method: "POST",
        body: body(),
        credentials: "same-origin",
        headers: {Accept: "application/json"},
      })
        .then(function (response) {
          return response.ok && !response.redirected ? response.json() : null;
        })
        .then(function (answer) {
          if (answer) {
            show(answer.message);
          }
        })
        .catch(function () {
          // Offline: the next beat tries again; the notice stays as it was.
        });
    }

    function leave() {
      if (left || submitting) {
        return; // saving removes the presence on the server
      }
      left = true;
      if (!(navigator.sendBeacon && navigator.sendBeacon(box.dataset.leaveUrl, body()))) {
        fetch(box.dataset.leaveUrl, {
          method: "POST",
          body: body(),
          credentials: "same-origin",
          keepalive: true,
        }).catch(function () {});
      }
    }

    form.addEventListener("submit", function (event) {
      submitting = true;
      // The autosave holds the first submit back to check the session: not sent yet.
      setTimeout(function () {
        if (event.defaultPrevented) {
          submitting = false;
        }
      }, 0);
    });
    window.addEventListener("pagehide", leave);
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        submitting = false; // back from the next page: here again
        beat();
      }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        beat(); // back in this tab: report at once, and see who came meanwhile
      }
    });
    setInterval(beat, interval);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
