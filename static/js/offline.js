// onewindow: working through a short outage. Loaded on every page (no inline scripts).
// - registers the service worker (/sw.js, root scope) that keeps the app shell and the
//   documents printed today on this workstation;
// - a plain form is submitted only after the server answers /ping: when it does not,
//   the page stays as typed and says so (the intake idempotency token makes a retry safe);
// - a failed htmx poll keeps the last good content and polling goes on;
// - this workstation's print setup (localStorage) is added to label and receipt links;
// - the day's printed documents are purged on logout and when another user logs in.
(function () {
  "use strict";

  var SETUP_KEY = "onewindow.printSetup";
  var OWNER_KEY = "onewindow.cacheOwner";
  var PRINTS_PREFIX = "onewindow-prints-";

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      // No service worker (private mode, policy): the app still works online.
    });
  }

  function purgePrints() {
    if (!window.caches) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(PRINTS_PREFIX) === 0; })
        .map(function (n) { return caches.delete(n); }));
    }).catch(function () {});
  }

  // Another user on this workstation: yesterday's or someone else's documents go.
  document.addEventListener("DOMContentLoaded", function () {
    var who = document.querySelector(".userbox .user-name");
    if (!who) return;
    var owner = who.textContent.trim();
    try {
      if (localStorage.getItem(OWNER_KEY) !== owner) {
        purgePrints();
        localStorage.setItem(OWNER_KEY, owner);
      }
    } catch (e) { /* storage disabled */ }
  });

  // ---------------------------------------------------------------- offline bar
  var retryTimer = null;

  function bar() {
    var el = document.getElementById("offline-bar");
    if (!el) {
      el = document.createElement("div");
      el.id = "offline-bar";
      el.className = "offline-bar";
      el.setAttribute("role", "alert");
      document.body.appendChild(el);
    }
    return el;
  }

  // Unreachable (refused, network down) is "offline"; a slow answer is not: after
  // timeoutMs the form goes anyway, so a busy server never holds a submit back.
  function ping(timeoutMs, slowIsOk) {
    return new Promise(function (resolve) {
      var timer = setTimeout(function () { resolve(!!slowIsOk); }, timeoutMs || 1500);
      fetch("/ping", { cache: "no-store", credentials: "same-origin" })
        .then(function (r) { clearTimeout(timer); resolve(r.status < 500); })
        .catch(function () { clearTimeout(timer); resolve(false); });
    });
  }

  function showOffline() {
    var el = bar();
    el.textContent = "Нет связи с сервером. Введённые данные сохранены в форме — " +
      "повторите отправку, когда связь восстановится.";
    el.hidden = false;
    if (retryTimer) return;
    retryTimer = setInterval(function () {
      ping(3000).then(function (ok) {
        if (!ok) return;
        clearInterval(retryTimer);
        retryTimer = null;
        el.textContent = "Связь с сервером восстановлена — можно повторить отправку.";
        setTimeout(function () { el.hidden = true; }, 4000);
      });
    }, 5000);
  }

  // A fresh CSRF key just before a plain POST, so a form that outlived its key still goes;
  // "offline" when the server is unreachable, "slow" (send as is) when it does not answer
  // in time, "signed-out" when the page was a user's and the login session is over.
  function freshKey(timeoutMs) {
    return new Promise(function (resolve) {
      var timer = setTimeout(function () { resolve({ state: "slow" }); }, timeoutMs);
      fetch("/account/csrf-token", { cache: "no-store", credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) return { state: r.status >= 500 ? "offline" : "slow" };
          var signedIn = r.headers.get("X-Signed-In") === "1";
          return r.text().then(function (token) {
            if (document.body.dataset.signedIn === "1" && !signedIn) return { state: "signed-out" };
            return { state: "ok", token: token };
          });
        })
        .catch(function () { return { state: "offline" }; })
        .then(function (result) { clearTimeout(timer); resolve(result); });
    });
  }

  function signedOut() {
    document.dispatchEvent(new CustomEvent("onewindow:alert", { detail: {
      message: "Сеанс завершён. Введённые данные сохранены в форме: войдите в систему " +
        "в новой вкладке и повторите отправку.",
      login: "/login" } }));
  }

  // ---------------------------------------------------------------- plain forms
  // Runs after the form's own listeners: htmx forms and scripted forms (archive scan)
  // prevent the default themselves and are left alone.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if (form.dataset.owChecked === "1") {
      delete form.dataset.owChecked;
      return;
    }
    var submitter = ev.submitter || null;
    var logout = /\/logout$/.test(new URL(form.action, location.href).pathname);
    ev.preventDefault();
    var post = (form.getAttribute("method") || "get").toLowerCase() === "post";
    var before = logout ? purgePrints() : Promise.resolve();
    before.then(function () {
      if (!post || logout) {
        return ping(1500, true).then(function (ok) { return { state: ok ? "ok" : "offline" }; });
      }
      return freshKey(1500);
    }).then(function (check) {
      if (check.state === "offline") {
        showOffline();
        return;
      }
      if (check.state === "signed-out") {
        signedOut();
        return;
      }
      if (check.token && window.owUseCsrfKey) window.owUseCsrfKey(check.token);
      form.dataset.owChecked = "1";
      if (form.requestSubmit) {
        if (submitter && submitter.form === form) form.requestSubmit(submitter);
        else form.requestSubmit();
      } else {
        form.submit();
      }
    });
  });

  // ---------------------------------------------------------------- polling
  function isPolling(elt) {
    return !!elt && /(^|[\s,])every\s/.test(elt.getAttribute("hx-trigger") || "");
  }
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var elt = ev.detail.requestConfig && ev.detail.requestConfig.elt;
    var xhr = ev.detail.xhr;
    if (isPolling(elt) && !(xhr && xhr.status >= 200 && xhr.status < 300)) {
      // Keep the last good content; the element stays, so polling goes on.
      ev.detail.shouldSwap = false;
      ev.detail.isError = false;
      elt.classList.add("is-stale");
    }
  });
  document.addEventListener("htmx:sendError", function (ev) {
    if (isPolling(ev.detail.elt)) ev.detail.elt.classList.add("is-stale");
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    var elt = ev.detail.elt;
    if (isPolling(elt) && ev.detail.successful) elt.classList.remove("is-stale");
  });

  // ---------------------------------------------------------------- print setup
  function localSetup() {
    try {
      return JSON.parse(localStorage.getItem(SETUP_KEY) || "null");
    } catch (e) {
      return null;
    }
  }
  var LABELS = /\/(labels?|calibration)\.pdf$/;
  var RECEIPT = /\/receipt\.pdf$/;
  // Capture phase: the href is complete before app.js opens it for printing.
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[href]");
    if (!link || link.hasAttribute("data-calibration")) return;
    var setup = localSetup();
    if (!setup) return;
    var url = new URL(link.href, location.href);
    if (url.origin !== location.origin) return;
    var params = url.searchParams;
    if (LABELS.test(url.pathname)) {
      if (!params.has("format") && setup.label_format) params.set("format", setup.label_format);
      if (!params.has("dx")) params.set("dx", setup.offset_x_mm || 0);
      if (!params.has("dy")) params.set("dy", setup.offset_y_mm || 0);
    } else if (RECEIPT.test(url.pathname)) {
      if (!params.has("copies") && setup.receipt_copies) params.set("copies", setup.receipt_copies);
    } else {
      return;
    }
    link.href = url.pathname + "?" + params.toString();
  }, true);

  window.onewindowOffline = { purgePrints: purgePrints, setupKey: SETUP_KEY };
})();
