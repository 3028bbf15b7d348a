// Selections: the mapping page's column lists; the work list's keyboard-fast processing
// of hits. No inline scripts (strict CSP).
// ↓/↑ or J/K move between rows; 1–3 choose an outcome; Y/N confirm or reject a
// candidate; C focuses the comment; Z undoes one's own decision. Every decision asks
// first in the row: Enter answers yes, Esc no. Letters are read by physical key
// (event.code), so they work with the Russian layout on (J is «о»).
// Typing in a field is left alone (Esc leaves it).
(function () {
  "use strict";

  var LETTERS = {KeyJ: "j", KeyK: "k", KeyY: "y", KeyN: "n", KeyC: "c", KeyZ: "z"};

  // The mapping page lists the file's columns once (a template); every field's list gets
  // a copy, its chosen column kept.
  document.addEventListener("DOMContentLoaded", function () {
    var columns = document.getElementById("mapping-columns");
    if (!columns) return;
    document.querySelectorAll(".mapping-grid select").forEach(function (list) {
      var chosen = list.value;
      list.textContent = "";
      list.appendChild(columns.content.cloneNode(true));
      list.value = chosen;
    });
  });

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-hit-row]"));
  }

  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("[data-hit-row]") : null;
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(current());
    var next = all[Math.max(0, Math.min(all.length - 1, index + step))] || all[0];
    next.focus();
  }

  // After a row is swapped: a question takes the focus on «Да»; an answered row hands
  // it to the next row (yes) or keeps it (no, undo).
  var advance = {};
  function init() {
    // On settle, not swap: by then htmx has wired the new row's buttons, so the
    // Enter or Esc that follows the focus goes through htmx.
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var row = event.detail && event.detail.target;
      if (!row || !row.id) return;
      row = document.getElementById(row.id);
      if (!row || !row.hasAttribute("data-hit-row")) return;
      var yes = row.querySelector("[data-confirm-yes]");
      if (yes) { yes.focus(); return; }
      var all = rows();
      var next = advance[row.id] ? (all[all.indexOf(row) + 1] || row) : row;
      delete advance[row.id];
      next.focus();
    });
    document.body.addEventListener("submit", function (event) {
      var step = event.target.closest && event.target.closest("[data-confirm-step]");
      var row = step && step.closest("[data-hit-row]");
      if (row) advance[row.id] = true;
    }, true);
  }
  init();  // a deferred script: the body is there

  function letter(event) {
    return LETTERS[event.code] || event.key.toLowerCase();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    var target = event.target;
    var step = target && target.closest ? target.closest("[data-confirm-step]") : null;
    if (step) {
      // Enter on the focused «Да» submits by itself; Esc answers no.
      if (event.key === "Escape") {
        var no = step.querySelector("[data-confirm-no]");
        var owner = step.closest("[data-hit-row]");
        if (owner && no.getAttribute("hx-get") && window.htmx) {
          window.htmx.ajax("GET", no.getAttribute("hx-get"),
                           {target: "#" + owner.id, swap: "outerHTML"});
        } else {
          no.click();
        }
        event.preventDefault();
      }
      return;
    }
    var typing = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typing) {
      if (event.key === "Escape") {
        var row = target.closest("[data-hit-row]");
        if (row) row.focus();
      }
      return;
    }
    var hitRow = current();
    var key = letter(event);
    if (key === "arrowdown" || key === "j") { move(1); event.preventDefault(); return; }
    if (key === "arrowup" || key === "k") { move(-1); event.preventDefault(); return; }
    if (!hitRow) return;
    var form = hitRow.querySelector("[data-outcome-form]");
    if (/^[1-9]$/.test(event.key) && form) {
      var select = form.querySelector("select[name=outcome]");
      var option = select.options[parseInt(event.key, 10) - 1];
      if (!option) return;
      select.value = option.value;
      form.requestSubmit();  // the row comes back asking «Записать …?»
      event.preventDefault();
    } else if ((key === "y" || key === "n" || key === "z") &&
               hitRow.querySelector("[data-key=" + key + "]")) {
      hitRow.querySelector("[data-key=" + key + "]").click();
      event.preventDefault();
    } else if (key === "c" && form) {
      form.querySelector("input[name=comment]").focus();
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var first = rows()[0];
    if (first && !document.querySelector("[autofocus]")) first.focus();
  });
})();
