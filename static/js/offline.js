// onewindow: working through a short outage. Loaded on every page (no inline scripts).
// - registers the service worker (/sw.js, root scope) that keeps the app shell and the
//   documents printed today on this workstation;
// - a plain form is submitted only after the server answers /ping: when it does not,
//   the page stays as typed and says so (the intake idempotency token makes a retry safe);
// - a failed htmx poll keeps the last good content and polling goes on;
// - this workstation's print setup (localStorage) is added to label and receipt links;
// - where there is no service worker (plain HTTP on the office network is no secure
//   context), the page itself keeps the documents it printed today (IndexedDB) and offers
//   them when the server does not answer;
// - the kept documents belong to the live login session: the marker cookie the server
//   sets ("<id>.<end>"); on logout, expiry, another login or a browser started again
//   (no marker, another id, past its end) every kept document is dropped.
(function () {
  "use strict";

  var SETUP_KEY = "onewindow.printSetup";
  var PRINTS_PREFIX = "onewindow-prints-";
  var MARKER = "onewindow_docs";
  var DB_NAME = "onewindow-prints";
  var STORE = "documents";
  // Set while the page's own store may hold documents: pages that never kept one (the hall
  // board polling for days, say) never open IndexedDB.
  var KEPT_FLAG = "onewindow.keptDocuments";
  // No service worker here: the page keeps its printed documents itself.
  var KEEPS_ITSELF = !window.isSecureContext || !("serviceWorker" in navigator);

  if (!KEEPS_ITSELF) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      // No service worker (private mode, policy): the app still works online.
    });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  // The live login session's documents id, or null (see sw.js: the same rule).
  function sessionId() {
    var value = null;
    document.cookie.split(";").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq > 0 && part.slice(0, eq).trim() === MARKER) value = part.slice(eq + 1).trim();
    });
    var m = /^([A-Za-z0-9_-]{8,64})\.(\d{9,12})$/.exec(value || "");
    if (!m || Number(m[2]) * 1000 <= Date.now()) return null;
    return m[1];
  }

  // ---------------------------------------------------------------- kept documents
  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "url" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function inStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.value); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function mayHoldKept(value) {
    try {
      if (value === true) localStorage.setItem(KEPT_FLAG, "1");
      else if (value === false) localStorage.removeItem(KEPT_FLAG);
      return localStorage.getItem(KEPT_FLAG) === "1";
    } catch (e) {
      return true;  // storage disabled: look every time
    }
  }

  // Today's documents of this session (the others are deleted on the way).
  function keptDocuments() {
    if (!mayHoldKept()) return Promise.resolve([]);
    var id = sessionId();
    var day = today();
    return inStore("readwrite", function (store) {
      var out = { value: [] };
      store.openCursor().onsuccess = function (ev) {
        var cursor = ev.target.result;
        if (!cursor) return;
        var doc = cursor.value;
        if (!id || doc.session !== id || doc.day !== day) cursor.delete();
        else out.value.push(doc);
        cursor.continue();
      };
      return out;
    }).then(function (docs) {
      if (!docs.length) mayHoldKept(false);
      return docs;
    }).catch(function () { return []; });
  }

  function keepDocument(doc) {
    mayHoldKept(true);
    return inStore("readwrite", function (store) { store.put(doc); }).catch(function () {});
  }

  function purgeCaches(keep) {
    if (!window.caches) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) {
        return n.indexOf(PRINTS_PREFIX) === 0 && n !== keep;
      }).map(function (n) { return caches.delete(n); }));
    }).catch(function () {});
  }

  function purgePrints() {
    var stored = !mayHoldKept() ? null : inStore("readwrite", function (store) {
      store.clear();
    }).then(function () { mayHoldKept(false); }).catch(function () {});
    return Promise.all([purgeCaches(null), stored]);
  }

  // The service worker's documents cache of the live session (sw.js names it so), or null.
  function liveCache() {
    var id = sessionId();
    return id ? PRINTS_PREFIX + today() + "-" + id : null;
  }

  // Whatever no longer belongs to the live session goes (another day, user or login;
  // logged out; expired; the browser started again).
  function checkDocuments() {
    return Promise.all([purgeCaches(liveCache()), keptDocuments()]);
  }

  document.addEventListener("DOMContentLoaded", checkDocuments);
  // The session's end passes while the page stays open: the page notices by itself.
  setInterval(checkDocuments, 30000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") checkDocuments();
  });

  // ---------------------------------------------------------------- printing without a worker
  function filename(response, path) {
    var cd = response.headers.get("Content-Disposition") || "";
    var m = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    if (m) {
      try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; }
    }
    return path.split("?")[0].split("/").pop();
  }

  function show(win, blob) {
    var url = URL.createObjectURL(blob);
    if (win && !win.closed) win.location.href = url;
    return url;
  }

  // Print through the page: one request (the print journal records each), the document
  // kept for today when the server recorded it as printed; the kept copy when the server
  // does not answer.
  function printKept(path, win) {
    return fetch(path, { credentials: "same-origin" }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (!r.ok || type.indexOf("application/pdf") !== 0) {
        if (win) win.location.href = path;  // the server's own page says what went wrong
        return null;
      }
      return r.blob().then(function (blob) {
        var id = sessionId();
        if (r.headers.get("X-Print-Id") && id) {
          keepDocument({ url: path, name: filename(r, path), at: new Date().toISOString(),
                         day: today(), session: id, blob: blob });
        }
        show(win, blob);
      });
    }, function () {
      return keptDocuments().then(function (docs) {
        var doc = docs.filter(function (d) { return d.url === path; })[0];
        if (doc) show(win, doc.blob);
        else if (win) win.close();
        showOffline();
      });
    });
  }

  if (KEEPS_ITSELF) {
    // Capture phase, after the print setup's handler below has completed the href.
    document.addEventListener("DOMContentLoaded", function () {
      document.addEventListener("click", function (ev) {
        var link = ev.target.closest && ev.target.closest("a[data-print][href]");
        if (!link || ev.defaultPrevented || ev.button !== 0) return;
        var url = new URL(link.href, location.href);
        if (url.origin !== location.origin || !/\.pdf$/.test(url.pathname)) return;
        ev.preventDefault();
        ev.stopPropagation();  // app.js opens nothing; later capture handlers still run
        var win = window.open("", "_blank");  // now, while the click lets a window open
        // The href as the other handlers of this click leave it (the calibration page's
        // offsets being tried, prints.js).
        setTimeout(function () {
          var final = new URL(link.href, location.href);
          printKept(final.pathname + final.search, win);
        }, 0);
      }, true);
    });
  }

  // «Документы, напечатанные сегодня — доступны без связи»: shown when the server does
  // not answer (where the page keeps them itself).
  function showKept() {
    if (!KEEPS_ITSELF) return Promise.resolve();
    return keptDocuments().then(function (docs) {
      var panel = document.getElementById("offline-prints");
      if (!panel) {
        panel = document.createElement("section");
        panel.id = "offline-prints";
        panel.className = "card offline-prints";
        var h = document.createElement("h2");
        h.textContent = "Документы, напечатанные сегодня — доступны без связи";
        var ul = document.createElement("ul");
        ul.className = "offline-documents";
        var empty = document.createElement("p");
        empty.className = "muted";
        empty.setAttribute("data-empty", "");
        empty.textContent = "Сегодня в этом окне документы не печатались.";
        panel.appendChild(h);
        panel.appendChild(ul);
        panel.appendChild(empty);
        var main = document.getElementById("main") || document.body;
        main.insertBefore(panel, main.firstChild);
      }
      var list = panel.querySelector("ul");
      list.textContent = "";
      docs.sort(function (a, b) { return b.at.localeCompare(a.at); });
      docs.forEach(function (doc) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = URL.createObjectURL(doc.blob);
        a.target = "_blank";
        a.setAttribute("data-kept-document", doc.url);
        a.textContent = doc.name;
        li.appendChild(a);
        var at = new Date(doc.at);
        li.appendChild(document.createTextNode(" — " + pad(at.getHours()) + ":" + pad(at.getMinutes())));
        list.appendChild(li);
      });
      panel.querySelector("[data-empty]").hidden = docs.length > 0;
      panel.hidden = false;
    });
  }

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
    showKept();
    if (retryTimer) return;
    retryTimer = setInterval(function () {
      ping(3000).then(function (ok) {
        if (!ok) return;
        clearInterval(retryTimer);
        retryTimer = null;
        el.textContent = "Связь с сервером восстановлена — можно повторить отправку.";
        var kept = document.getElementById("offline-prints");
        if (kept) kept.hidden = true;
        setTimeout(function () { el.hidden = true; }, 4000);
      });
    }, 5000);
  }

  // Without a service worker a page that cannot load is the browser's error page, and the
  // documents kept here would be gone with this one: a link asks /ping first.
  if (KEEPS_ITSELF) {
    document.addEventListener("click", function (ev) {
      if (ev.defaultPrevented || ev.button !== 0 || ev.ctrlKey || ev.shiftKey || ev.metaKey ||
          ev.altKey) return;
      var link = ev.target.closest && ev.target.closest("a[href]");
      if (!link || link.target || link.hasAttribute("download") ||
          link.getAttribute("href").charAt(0) === "#") return;
      var url = new URL(link.href, location.href);
      if (url.origin !== location.origin) return;
      if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
      ev.preventDefault();
      ping(1500, true).then(function (ok) {
        if (ok) location.assign(url.href);
        else showOffline();
      });
    });
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
    else showKept();
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

  window.onewindowOffline = { purgePrints: purgePrints, purgeCaches: purgeCaches,
                              liveCache: liveCache, filename: filename, setupKey: SETUP_KEY };
})();
