// Selections: the mapping page's column lists; the work list's keyboard-fast processing
// of hits. No inline scripts (strict CSP).
// ↓/↑ or J/K move between rows; 1–3 record an outcome; Y/N confirm or reject a
// candidate; C focuses the comment. Typing in a field is left alone (Esc leaves it).
(function () {
  "use strict";

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

  function focusNextAfterSwap(id) {
    document.body.addEventListener("htmx:afterSwap", function handler() {
      document.body.removeEventListener("htmx:afterSwap", handler);
      var row = document.getElementById(id);
      if (!row) return;
      var all = rows();
      var next = all[all.indexOf(row) + 1] || row;
      next.focus();
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    var target = event.target;
    var typing = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typing) {
      if (event.key === "Escape") {
        var row = target.closest("[data-hit-row]");
        if (row) row.focus();
      }
      return;
    }
    var hitRow = current();
    var key = event.key.toLowerCase();
    if (key === "arrowdown" || key === "j") { move(1); event.preventDefault(); return; }
    if (key === "arrowup" || key === "k") { move(-1); event.preventDefault(); return; }
    if (!hitRow) return;
    var form = hitRow.querySelector("[data-outcome-form]");
    if (/^[1-9]$/.test(key) && form) {
      var select = form.querySelector("select[name=outcome]");
      var option = select.options[parseInt(key, 10) - 1];
      if (!option) return;
      select.value = option.value;
      focusNextAfterSwap(hitRow.id);
      form.requestSubmit();
      event.preventDefault();
    } else if ((key === "y" || key === "n") && hitRow.querySelector("[data-key=" + key + "]")) {
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
