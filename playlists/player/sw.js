// localcast player service worker: the player keeps running when the server is gone.
// - /files/<sha256>: cache first (content-addressed, never changes).
// - the playlist: network first, the last 200 kept as the fallback.
// - the player page itself: network first, cached copy when offline.
const FILES = "localcast-files-v1";
const API = "localcast-api-v1";
const SHELL = "localcast-shell-v1";
const SHELL_URLS = ["/player/", "/player/index.html", "/player/player.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL).then((cache) => cache.addAll(SHELL_URLS)).catch(() => {})
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

async function cacheFirst(request) {
  const cache = await caches.open(FILES);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  const answer = await fetch(request);
  if (answer.status === 200) await cache.put(request, answer.clone());
  return answer;
}

async function networkFirst(request, name) {
  const cache = await caches.open(name);
  try {
    const answer = await fetch(request);
    if (answer.status === 200) await cache.put(request.url, answer.clone());
    return answer;
  } catch (error) {
    const hit = await cache.match(request.url, { ignoreVary: true, ignoreSearch: name === SHELL });
    if (hit) return hit;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/files/") && !request.headers.has("range")) {
    event.respondWith(cacheFirst(request));
  } else if (/^\/api\/v1\/screens\/\d+\/playlist$/.test(url.pathname)) {
    event.respondWith(networkFirst(request, API));
  } else if (url.pathname.startsWith("/player/")) {
    event.respondWith(networkFirst(request, SHELL));
  }
});
