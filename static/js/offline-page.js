// onewindow: the offline page (a static file the service worker serves when the server is
// unreachable). Lists today's cached documents and returns to the page by itself.
(function () {
  "use strict";

  // The documents' rules are offline.js's (loaded before this page's script).
  var shared = window.onewindowOffline;

  function time(response) {
    var at = response.headers.get("X-Cached-At");
    if (!at) return "";
    var d = new Date(at);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function listDocuments() {
    var list = document.getElementById("offline-documents");
    var empty = document.getElementById("offline-empty");
    if (!window.caches) {
      empty.hidden = false;
      return Promise.resolve();
    }
    var live = shared.liveCache();
    // Only the live session's documents; any other (logged out, expired, another user's) go.
    return shared.purgeCaches(live).then(function () {
      if (!live) return [];
      return caches.open(live).then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(requests.map(function (req) {
            return cache.match(req).then(function (res) { return { req: req, res: res }; });
          }));
        });
      });
    }).then(function (items) {
      list.textContent = "";
      items.sort(function (a, b) {
        return (b.res.headers.get("X-Cached-At") || "").localeCompare(a.res.headers.get("X-Cached-At") || "");
      });
      items.forEach(function (item) {
        var url = new URL(item.req.url);
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = url.pathname + url.search;
        a.target = "_blank";
        a.setAttribute("data-offline-document", "");
        a.textContent = shared.filename(item.res, url.pathname);
        li.appendChild(a);
        var when = time(item.res);
        if (when) li.appendChild(document.createTextNode(" — " + when));
        list.appendChild(li);
      });
      empty.hidden = items.length > 0;
    });
  }

  function check() {
    return fetch("/ping", { cache: "no-store", credentials: "same-origin" })
      .then(function (r) {
        if (r.status >= 500) return;
        if (window.location.pathname === "/static/offline.html") window.location.assign("/");
        else window.location.reload();
      })
      .catch(function () {
        var status = document.getElementById("offline-status");
        if (status) status.textContent = "Связи нет. Последняя проверка: " + new Date().toLocaleTimeString("ru-RU");
      });
  }

  function init() {
    listDocuments();
    document.getElementById("offline-retry").addEventListener("click", check);
    setInterval(check, 5000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
