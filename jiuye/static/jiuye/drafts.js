// Offline-tolerant forms: a form with data-draft="KEY" keeps what was typed in
// localStorage until the server has accepted it; a failed submission (no network)
// keeps the draft, says so, and retries when the connection comes back.
(function () {
  "use strict";
  function key(form) { return "jiuye-draft:" + form.dataset.draft; }
  function save(form) {
    var data = {};
    new FormData(form).forEach(function (v, k) { if (k !== "csrfmiddlewaretoken") data[k] = v; });
    localStorage.setItem(key(form), JSON.stringify(data));
  }
  function restore(form) {
    var raw = localStorage.getItem(key(form));
    if (!raw) return;
    var data = JSON.parse(raw);
    Object.keys(data).forEach(function (k) {
      var field = form.elements.namedItem(k);
      if (field && !field.value) field.value = data[k];
    });
    var note = form.querySelector(".draft-note");
    if (note) note.hidden = false;
  }
  function setup(form) {
    if (form.dataset.draftReady) return;
    form.dataset.draftReady = "1";
    restore(form);
    form.addEventListener("input", function () { save(form); });
    form.addEventListener("submit", function (event) {
      save(form);
      if (!navigator.onLine) {
        event.preventDefault();
        var note = form.querySelector(".draft-offline");
        if (note) note.hidden = false;
        window.addEventListener("online", function () { form.requestSubmit(); }, { once: true });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    // The server marks a page after a successful save with data-draft-saved="KEY".
    document.querySelectorAll("[data-draft-saved]").forEach(function (el) {
      localStorage.removeItem("jiuye-draft:" + el.dataset.draftSaved);
    });
    var saved = document.cookie.match(/(?:^|; )jiuye_draft_saved=([^;]*)/);
    if (saved) {
      localStorage.removeItem("jiuye-draft:" + decodeURIComponent(saved[1]));
      document.cookie = "jiuye_draft_saved=; Max-Age=0; path=/";
    }
    document.querySelectorAll("form[data-draft]").forEach(setup);
  });
  document.addEventListener("htmx:load", function (e) {
    e.target.querySelectorAll && e.target.querySelectorAll("form[data-draft]").forEach(setup);
  });
})();
