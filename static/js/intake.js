// onewindow: the intake form as specialists type — the service picker, the checklist keys,
// the running total, and keys typed while the checklist is on its way (applied on arrival).
// Needs layout.js (window.owLayout). Event delegation only: the form is re-rendered on 422.
(function () {
  "use strict";
  var L = window.owLayout;
  var loading = false; // a checklist has been asked for and has not arrived yet
  var queued = [];     // keys typed meanwhile: {digit: n} or {submit: true}

  function norm(s) { return s.toLowerCase().replace(/ё/g, "е"); }
  function words(s) { return norm(s).split(/[^a-zа-я0-9]+/).filter(Boolean); }

  // ---------------------------------------------------------------- the service picker

  function parts(el) {
    var picker = el.closest && el.closest("[data-picker]");
    if (!picker) return null;
    return {
      picker: picker,
      input: picker.querySelector("[role=combobox]"),
      hidden: picker.querySelector("input[name=service]"),
      list: picker.querySelector("[role=listbox]")
    };
  }

  function options(p) { return Array.prototype.slice.call(p.list.querySelectorAll("[role=option]")); }
  function labelOf(option) { return option.textContent.replace(/\s+/g, " ").trim(); }

  // 0: the whole code, 1: the start of a code, 2: every typed word begins a word of the
  // name (also when typed in the wrong layout); -1: no match.
  function rank(option, typed) {
    var code = option.getAttribute("data-code");
    if (L.codeMatches(typed, code)) return typed.trim().length === code.length ? 0 : 1;
    var name = words(option.getAttribute("data-words") || "");
    function all(ws) {
      return ws.length > 0 && ws.every(function (w) {
        return name.some(function (n) { return n.indexOf(w) === 0; });
      });
    }
    return all(words(typed)) || all(words(L.toCyrillic(typed))) ? 2 : -1;
  }

  function setActive(p, option) {
    options(p).forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    if (option) {
      p.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      p.input.removeAttribute("aria-activedescendant");
    }
  }

  function visible(p) { return options(p).filter(function (o) { return !o.hidden; }); }
  function active(p) { return p.list.hidden ? null : p.list.querySelector("[aria-selected=true]"); }

  function filter(p) {
    var typed = p.input.value;
    var ranked = options(p).map(function (o, i) {
      return { option: o, rank: typed.trim() ? rank(o, typed) : 3, order: i };
    });
    ranked.forEach(function (r) { r.option.hidden = r.rank < 0; });
    ranked.filter(function (r) { return r.rank >= 0; })
      .sort(function (a, b) { return a.rank - b.rank || a.order - b.order; })
      .forEach(function (r) { p.list.appendChild(r.option); });
    p.list.hidden = false;
    p.input.setAttribute("aria-expanded", "true");
    setActive(p, visible(p)[0] || null);
  }

  function close(p, revert) {
    p.list.hidden = true;
    p.input.setAttribute("aria-expanded", "false");
    setActive(p, null);
    if (revert) {
      var chosen = p.list.querySelector('[data-code="' + p.hidden.value + '"]');
      p.input.value = chosen ? labelOf(chosen) : "";
    }
  }

  function focusFirstDocument() {
    var first = document.querySelector("#checklist input[data-doc]");
    if (first) first.focus();
  }

  function choose(p, option) {
    var code = option.getAttribute("data-code");
    p.input.value = labelOf(option);
    close(p, false);
    if (p.hidden.value === code) {
      focusFirstDocument();
      return;
    }
    p.hidden.value = code;
    loading = true;
    queued = [];
    // Keys typed from now on must not land in the picker: hold the focus on the checklist.
    var checklist = document.getElementById("checklist");
    if (checklist) checklist.focus();
    p.hidden.dispatchEvent(new Event("change", { bubbles: true })); // hx-trigger="change"
  }

  document.addEventListener("input", function (ev) {
    var p = ev.target.getAttribute && ev.target.getAttribute("role") === "combobox" && parts(ev.target);
    if (p) filter(p);
  });

  document.addEventListener("focusout", function (ev) {
    var p = ev.target.getAttribute && ev.target.getAttribute("role") === "combobox" && parts(ev.target);
    if (p) close(p, true); // nothing changes without Enter
  });

  // A click on an option: keep the focus in the field (no focusout), then choose.
  document.addEventListener("mousedown", function (ev) {
    if (ev.target.closest && ev.target.closest("[data-picker] [role=option]")) ev.preventDefault();
  });
  document.addEventListener("click", function (ev) {
    var option = ev.target.closest && ev.target.closest("[data-picker] [role=option]");
    if (option) choose(parts(option), option);
  });

  function pickerKey(ev, p) {
    var list = visible(p);
    var current = active(p);
    var i = list.indexOf(current);
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (p.list.hidden) { filter(p); return; }
      var next = ev.key === "ArrowDown" ? Math.min(i + 1, list.length - 1) : Math.max(i - 1, 0);
      setActive(p, list[next] || null);
    } else if (ev.key === "Enter" && !(ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault(); // never submits the form from here
      if (current) choose(p, current);
      else if (p.hidden.value) { close(p, true); focusFirstDocument(); }
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      close(p, true);
    } else if (ev.key === "Enter") {
      // Ctrl+Enter with a new service typed: choose it, then register once it is shown.
      if (current && current.getAttribute("data-code") !== p.hidden.value) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        choose(p, current);
        queued.push({ submit: true });
      } else {
        close(p, true);
      }
    }
  }

  // ------------------------------------------------------------------ the checklist keys

  function toggle(n) {
    var boxes = document.querySelectorAll("#checklist input[type=checkbox][data-doc]");
    var box = boxes[n - 1];
    if (!box) return;
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    box.focus();
  }

  function stepSheets(row, delta) {
    var sheets = row && row.querySelector("input[type=number]");
    if (!sheets) return;
    var now = parseInt(sheets.value, 10) || 1; // an empty count means one sheet
    sheets.value = String(Math.min(999, Math.max(1, now + delta)));
    sheets.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function typing(target) {
    return /^(TEXTAREA|SELECT)$/.test(target.tagName) ||
      (target.tagName === "INPUT" && target.type !== "checkbox");
  }

  function digitOf(ev) {
    var m = /^(?:Digit|Numpad)([1-9])$/.exec(ev.code || "");
    return m ? parseInt(m[1], 10) : null;
  }

  // Capture phase: runs before app.js, so that keys held for a loading checklist are not
  // also handled (and Ctrl+Enter does not submit a form without its checklist).
  document.addEventListener("keydown", function (ev) {
    var target = ev.target;
    var p = target.getAttribute && target.getAttribute("role") === "combobox" && parts(target);
    if (p) { pickerKey(ev, p); return; }
    if (loading && document.getElementById("application-form")) {
      var digit = digitOf(ev);
      var submit = ev.key === "Enter" && (ev.ctrlKey || ev.metaKey);
      if ((digit && !ev.altKey && !ev.ctrlKey && !typing(target)) || submit) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        queued.push(submit ? { submit: true } : { digit: digit });
      }
      return;
    }
    var checklist = target.closest && target.closest("[data-checklist]");
    if (!checklist || typing(target) || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var n = digitOf(ev);
    if (n) {
      ev.preventDefault();
      toggle(n);
    } else if (ev.code === "Equal" || ev.code === "NumpadAdd") {
      ev.preventDefault();
      stepSheets(target.closest("tr"), 1);
    } else if (ev.code === "Minus" || ev.code === "NumpadSubtract") {
      ev.preventDefault();
      stepSheets(target.closest("tr"), -1);
    }
  }, true);

  // --------------------------------------------------------------- the running total

  function updateTotal() {
    var form = document.getElementById("application-form");
    var out = form && form.querySelector("[data-doc-total]");
    if (!out) return;
    var docs = 0, sheets = 0;
    form.querySelectorAll("#checklist input[data-doc]").forEach(function (box) {
      if (!box.checked) return;
      var count = box.closest("tr").querySelector("input[type=number]");
      docs += 1;
      sheets += parseInt(count && count.value, 10) || 1;
    });
    form.querySelectorAll("input[name^=extra-][name$=-name]").forEach(function (name) {
      var count = form.querySelector('[name="' + name.name.replace(/-name$/, "-sheets") + '"]');
      var n = parseInt(count && count.value, 10) || 0;
      if (!name.value.trim() && !n) return;
      docs += 1;
      sheets += n || 1;
    });
    out.textContent = "Принято документов: " + docs + ", листов: " + sheets;
  }

  document.addEventListener("input", updateTotal);
  document.addEventListener("change", updateTotal);
  document.addEventListener("DOMContentLoaded", updateTotal);

  document.addEventListener("htmx:afterSettle", function (ev) {
    updateTotal();
    if (!loading || ev.target.id !== "checklist") return;
    loading = false;
    var keys = queued;
    queued = [];
    keys.forEach(function (k) {
      if (k.digit) toggle(k.digit);
      else if (k.submit) document.getElementById("application-form").requestSubmit();
    });
  });
  ["htmx:responseError", "htmx:sendError"].forEach(function (name) {
    document.addEventListener(name, function () { loading = false; queued = []; });
  });
})();
