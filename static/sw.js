// onewindow service worker (served as /sw.js, scope "/").
// Caches the app shell and static assets, and the PDFs opened today on this workstation.
// Pages themselves are never cached (they carry personal data; htmx historyCacheSize is 0):
// when the server is unreachable a navigation gets the static offline page instead.
"use strict";

var SHELL = "onewindow-shell-v1";
var PRINTS_PREFIX = "onewindow-prints-";
var OFFLINE_URL = "/static/offline.html";
var SHELL_FILES = [
  OFFLINE_URL,
  "/static/js/offline-page.js",
  "/static/js/offline.js",
  "/static/js/app.js",
  "/static/css/app.css",
  "/static/vendor/htmx/htmx-2.0.11.min.js",
  "/static/favicon.svg"
];

function today() {
  var d = new Date();
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
}

function printsCache() {
  return PRINTS_PREFIX + today();
}

// Documents of an earlier day are not kept (day change).
function purgeOldPrints(all) {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf(PRINTS_PREFIX) === 0 && (all || n !== printsCache());
    }).map(function (n) { return caches.delete(n); }));
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SHELL_FILES);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("onewindow-shell-") === 0 && n !== SHELL;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return purgeOldPrints(false); })
    .then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  if (event.data === "purge-prints") event.waitUntil(purgeOldPrints(true));
});

function isPdf(url) {
  return /\.pdf$/.test(url.pathname);
}

// A printed document: from the server, kept for today; from the cache when unreachable.
function pdfRequest(request) {
  return fetch(request).then(function (response) {
    var type = response.headers.get("Content-Type") || "";
    // Only documents recorded in the print journal (not previews) count as printed.
    if (response.status === 200 && type.indexOf("application/pdf") === 0 &&
        response.headers.get("X-Print-Id")) {
      var copy = response.clone();
      purgeOldPrints(false).then(function () { return copy.blob(); }).then(function (blob) {
        var headers = new Headers(copy.headers);
        headers.set("X-Cached-At", new Date().toISOString());
        return caches.open(printsCache()).then(function (cache) {
          return cache.put(request.url, new Response(blob, { status: 200, headers: headers }));
        });
      }).catch(function () {});
    }
    return response;
  }).catch(function (error) {
    return caches.open(printsCache()).then(function (cache) {
      return cache.match(request.url);
    }).then(function (cached) {
      if (cached) return cached;
      if (request.mode === "navigate") return caches.match(OFFLINE_URL);
      throw error;
    });
  });
}

// Static files: the stored copy at once (pages load as fast as before the worker), and
// a fresh copy fetched behind it for the next load; from the network when not stored.
function staticRequest(event) {
  var request = event.request;
  var refresh = fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      return caches.open(SHELL).then(function (cache) { return cache.put(request, copy); })
        .then(function () { return response; });
    }
    return response;
  });
  return caches.match(request).then(function (cached) {
    if (cached) {
      event.waitUntil(refresh.catch(function () {}));
      return cached;
    }
    return refresh.catch(function (error) {
      return caches.match(request, { ignoreSearch: true }).then(function (stale) {
        if (stale) return stale;
        throw error;
      });
    });
  });
}

// Pages: never cached; when the server is unreachable, the offline page.
function pageRequest(request) {
  return fetch(request).catch(function () {
    return caches.match(OFFLINE_URL);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isPdf(url)) {
    event.respondWith(pdfRequest(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticRequest(event));
  } else if (request.mode === "navigate") {
    event.respondWith(pageRequest(request));
  }
});
