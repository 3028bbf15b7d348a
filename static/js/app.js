// onewindow: keyboard-first helpers. No inline scripts anywhere (strict CSP).
(function () {
  "use strict";

  // A refused form answered with a page (success redirects): put the address bar back on
  // the page the form came from, so a reload shows that page instead of a 405 or a resend.
  var historyUrl = document.querySelector('meta[name="onewindow-history-url"]');
  if (historyUrl && window.history && window.history.replaceState) {
    window.history.replaceState(window.history.state, "", historyUrl.getAttribute("content"));
  }

  function items(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[data-item]"));
  }

  // Arrow keys move through a result list; Enter on the search field opens the first item.
  document.addEventListener("keydown", function (ev) {
    var target = ev.target;
    // Ctrl+Enter submits the form the focus is in, from any field (checkboxes included).
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && target.form) {
      ev.preventDefault();
      target.form.requestSubmit();
      return;
    }
    var input = target.closest && target.closest("[data-list-input]");
    if (input) {
      var list = document.querySelector(input.getAttribute("data-list-input"));
      if (!list) return;
      var all = items(list);
      if (ev.key === "ArrowDown" && all.length) {
        ev.preventDefault();
        all[0].focus();
      } else if (ev.key === "Enter" && all.length && !input.hasAttribute("data-enter-submits")) {
        ev.preventDefault();
        all[0].click();
      }
      return;
    }
    var item = target.closest && target.closest("[data-item]");
    if (item) {
      var siblings = items(item.closest("[data-list]"));
      var i = siblings.indexOf(item);
      if (ev.key === "ArrowDown" && i < siblings.length - 1) {
        ev.preventDefault();
        siblings[i + 1].focus();
      } else if (ev.key === "ArrowUp") {
        ev.preventDefault();
        if (i > 0) siblings[i - 1].focus();
        else {
          var back = document.querySelector("[data-list-input]");
          if (back) back.focus();
        }
      }
      return;
    }
    // The document checklist's keys (1–9, +/−) live in intake.js.
  });

  // Alt shortcuts by physical key (event.code), so they work in any layout: the visible
  // element marked data-alt-key is pressed, or focused if it is a field. F1: the key list.
  function shown(el) { return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length); }
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "F1" || ev.code === "F1") {
      var help = document.getElementById("shortcut-help");
      if (!help) return;
      ev.preventDefault();
      if (help.open) help.close();
      else help.showModal();
      return;
    }
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || !ev.code) return;
    var marked = document.querySelectorAll('[data-alt-key="' + ev.code + '"]');
    var el = Array.prototype.filter.call(marked, shown)[0];
    if (!el) return;
    ev.preventDefault();
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) {
      el.focus();
      if (el.select) el.select();
    } else {
      el.click();
    }
  });

  // After a swap, focus what the new content asks for; scan fields clear and refocus.
  // A refused form puts the focus on its first field in error, not back on the first field.
  function focusFirstError(root) {
    var bad = root.querySelector && root.querySelector('[aria-invalid="true"]');
    if (!bad) return false;
    bad.focus();
    if (bad.select) bad.select();
    return true;
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });

  document.addEventListener("htmx:afterSettle", function (ev) {
    var root = ev.detail.elt || document;
    if (!root.isConnected) root = document;
    var auto = root.querySelector && root.querySelector("[autofocus]");
    if (!focusFirstError(root) && auto) auto.focus();
    document.querySelectorAll("[data-scan]").forEach(function (field) {
      field.value = "";
      field.focus();
    });
  });

  // A form that changes many records at once asks first, naming how many (data-confirm).
  // Once: offline.js submits the form again after its connection check (owChecked).
  document.addEventListener("submit", function (ev) {
    var form = ev.target.closest && ev.target.closest("form[data-confirm]");
    if (!form || form.dataset.owChecked === "1") return;
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);

  // A print button opens the PDF in the browser's viewer, ready to print.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest("[data-print]");
    if (!btn) return;
    ev.preventDefault();
    window.open(btn.getAttribute("href") || btn.getAttribute("data-print"), "_blank");
  });

  // Network failures never lose what was typed: say so, keep the form as it is.
  function showOffline(show) {
    var bar = document.getElementById("offline-bar");
    if (!bar) {
      bar = document.createElement("div");
      bar.id = "offline-bar";
      bar.className = "offline-bar";
      bar.setAttribute("role", "alert");
      bar.textContent = "Нет связи с сервером. Введённые данные сохранены в форме — повторите, когда связь восстановится.";
      document.body.appendChild(bar);
    }
    bar.hidden = !show;
  }
  // Put a fresh CSRF key into every form of the page and into htmx's request headers
  // (offline.js uses it too, before each plain POST).
  window.owUseCsrfKey = function (token) {
    document.querySelectorAll("input[name=csrf_token]").forEach(function (i) { i.value = token; });
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    headers["X-CSRFToken"] = token;
    document.body.setAttribute("hx-headers", JSON.stringify(headers));
  };
  // An expired session or CSRF key mid-form: the server swaps nothing and says why;
  // the form keeps what was typed, and "Обновить ключ" fetches a fresh CSRF token.
  function refreshToken(bar) {
    fetch("/account/csrf-token", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (token) {
        window.owUseCsrfKey(token);
        bar.hidden = true;
      })
      .catch(function () { bar.querySelector("p").textContent += " Не удалось обновить ключ — войдите снова."; });
  }
  document.addEventListener("onewindow:alert", function (ev) {
    var bar = document.getElementById("session-alert");
    if (!bar) {
      bar = document.createElement("div");
      bar.id = "session-alert";
      bar.className = "offline-bar session-alert";
      bar.setAttribute("role", "alert");
      bar.appendChild(document.createElement("p"));
      var login = document.createElement("a");
      login.target = "_blank";
      login.rel = "noopener";
      login.textContent = "Войти (в новой вкладке)";
      bar.appendChild(login);
      var refresh = document.createElement("button");
      refresh.type = "button";
      refresh.textContent = "Обновить ключ";
      refresh.addEventListener("click", function () { refreshToken(bar); });
      bar.appendChild(refresh);
      document.body.appendChild(bar);
    }
    var detail = ev.detail || {};
    bar.querySelector("p").textContent = detail.message || "Сеанс завершён.";
    bar.querySelector("a").href = detail.login || "/login";
    bar.hidden = false;
  });

  document.addEventListener("htmx:sendError", function () { showOffline(true); });
  document.addEventListener("htmx:afterRequest", function (ev) {
    if (ev.detail.successful || (ev.detail.xhr && ev.detail.xhr.status)) showOffline(false);
  });
})();
