// Service worker of the gate scanner (served as /checkin/sw.js, scope /checkin/).
// It only keeps the scanner page and the static files it uses available when the network
// drops: network first, the cache answers only when the network fails. Scan data (offline
// kit, queued scans) lives in IndexedDB, handled by scanner.js, never here. Pages with a
// query string (a shown verdict, a search) are not cached: they can carry names.
var CACHE = "marquee-gate-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  var page = request.mode === "navigate" && url.pathname.indexOf("/checkin/") === 0;
  var asset = url.pathname.indexOf("/static/") === 0;
  if (!page && !asset) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && (asset || !url.search)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, {ignoreSearch: page}).then(function (cached) {
      return cached || Response.error();
    });
  }));
});
