// onewindow: the offline page (a static file the service worker serves when the server is
// unreachable). Lists today's cached documents and returns to the page by itself.
(function () {
  "use strict";

  var PRINTS_PREFIX = "onewindow-prints-";

  function today() {
    var d = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function filename(response, url) {
    var cd = response.headers.get("Content-Disposition") || "";
    var m = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    if (m) {
      try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; }
    }
    return url.pathname.split("/").pop();
  }

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
    return caches.open(PRINTS_PREFIX + today()).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (req) {
          return cache.match(req).then(function (res) { return { req: req, res: res }; });
        }));
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
        a.textContent = filename(item.res, url);
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
