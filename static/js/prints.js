// onewindow: print setup page — keep this workstation's copy in localStorage, and let the
// calibration page use the values being tried (before they are saved).
(function () {
  "use strict";

  var KEY = "onewindow.printSetup";
  var FIELDS = ["label_format", "printer_name", "offset_x_mm", "offset_y_mm", "receipt_copies"];

  function read(form) {
    var values = {};
    FIELDS.forEach(function (name) {
      var el = form.elements[name];
      if (el) values[name] = el.value;
    });
    return values;
  }

  function init() {
    var form = document.querySelector("[data-print-setup]");
    if (!form) return;
    var note = form.querySelector("[data-local-setup]");
    // Saved on the server (the page came back with the flash): this workstation keeps it too.
    var flashes = document.querySelector(".flashes");
    var pending = sessionStorage.getItem(KEY);
    if (pending && flashes && /сохранены/.test(flashes.textContent)) {
      try { localStorage.setItem(KEY, pending); } catch (e) { /* disabled */ }
    }
    sessionStorage.removeItem(KEY);
    var stored = null;
    try { stored = JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { stored = null; }
    if (note) {
      note.hidden = false;
      note.textContent = stored
        ? "На этом рабочем месте: смещение X " + stored.offset_x_mm + " мм, Y " +
          stored.offset_y_mm + " мм, экземпляров расписки: " + stored.receipt_copies + "."
        : "На этом рабочем месте настройки ещё не сохранялись — действуют настройки учётной записи.";
    }
    form.addEventListener("submit", function () {
      sessionStorage.setItem(KEY, JSON.stringify(read(form)));
    });
    // Capture phase: before app.js opens the link for printing.
    document.addEventListener("click", function (ev) {
      var link = ev.target.closest && ev.target.closest("[data-calibration]");
      if (!link) return;
      var v = read(form);
      var url = new URL(link.getAttribute("href"), location.href);
      url.searchParams.set("format", v.label_format);
      url.searchParams.set("dx", String(v.offset_x_mm).replace(",", "."));
      url.searchParams.set("dy", String(v.offset_y_mm).replace(",", "."));
      link.setAttribute("href", url.pathname + "?" + url.searchParams.toString());
    }, true);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
