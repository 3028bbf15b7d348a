// onewindow: electronic queue — desk shortcuts, kiosk keypad, board resilience.
(function () {
  "use strict";

  // Desk: F-keys press the button carrying data-shortcut (F2 call next / start, F8 finish…).
  document.addEventListener("keydown", function (ev) {
    if (!/^F\d{1,2}$/.test(ev.key)) return;
    var button = document.querySelector('[data-shortcut="' + ev.key + '"]');
    if (!button) return;
    ev.preventDefault();
    button.click();
  });

  // Kiosk: an on-screen keypad types the booking code.
  document.addEventListener("click", function (ev) {
    var key = ev.target.closest && ev.target.closest("[data-digit]");
    if (!key) return;
    var form = key.closest("[data-keypad]");
    var input = form && form.querySelector("input[name=code]");
    if (!input) return;
    var digit = key.getAttribute("data-digit");
    input.value = digit === "clear" ? input.value.slice(0, -1) : (input.value + digit).slice(0, 8);
  });

  // Kiosk: after a ticket is issued, return to the purposes screen by itself.
  document.addEventListener("DOMContentLoaded", function () {
    var issued = document.querySelector("[data-return-after]");
    if (issued) {
      var seconds = parseInt(issued.getAttribute("data-return-after"), 10) || 30;
      window.setTimeout(function () {
        window.location.assign(issued.getAttribute("data-return-to"));
      }, seconds * 1000);
    }
  });

  // Kiosk ticket page: the print button opens the PDF in the browser's viewer.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest("[data-print]");
    if (!btn || !document.body.classList.contains("kiosk-page")) return;
    ev.preventDefault();
    window.open(btn.getAttribute("href"), "_blank");
  });

  // Board: a failed poll (server restarting, network down) never replaces the calls shown;
  // polling simply goes on and the board recovers by itself.
  function isOk(xhr) {
    return !!xhr && xhr.status >= 200 && xhr.status < 300;
  }
  function boardOffline(show) {
    var note = document.querySelector("[data-board-offline]");
    if (note) note.hidden = !show;
  }
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var target = ev.detail.target;
    if (target && target.hasAttribute("data-board") && !isOk(ev.detail.xhr)) {
      ev.detail.shouldSwap = false;
      ev.detail.isError = false;
      boardOffline(true);
    }
  });
  document.addEventListener("htmx:sendError", function (ev) {
    if (ev.detail.elt && ev.detail.elt.hasAttribute("data-board")) boardOffline(true);
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    if (ev.detail.elt && ev.detail.elt.hasAttribute("data-board") && isOk(ev.detail.xhr)) {
      boardOffline(false);
    }
  });
})();
