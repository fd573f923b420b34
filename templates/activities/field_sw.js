// The field page's service worker (activities/field.py), version {{ version }}.
// Its scope is the field page's folder only: it controls no other page of the portal.
// It keeps the page's shell and the static files that page loads, listed below, and nothing else:
// the choice lists, the sending and every other address go to the network and are never stored.
"use strict";
const CACHE = "shien-field-{{ version }}";
const FILES = {{ files_json|safe }};
const SHELL = FILES[0];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const url of FILES) {
      // A redirect (to the login page) is an error: the shell kept is the shell, never another page.
      const response = await fetch(url, { credentials: "same-origin", redirect: "error", cache: "no-store" });
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      await cache.put(url, response);
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("shien-field-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // The shell opens from the phone at once, with or without signal (its address may carry a query).
  const kept = request.mode === "navigate" && url.pathname === SHELL ? SHELL
    : FILES.includes(url.pathname) ? url.pathname : null;
  if (kept === null) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    return (await cache.match(kept)) || fetch(request);
  })());
});
