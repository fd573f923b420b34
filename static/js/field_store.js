// The phone's store of the field page (現地での記録, activities/field.py), in IndexedDB.
// Two object stores: "entries" (the user's own records waiting to be sent, or refused with the
// server's reasons) and "meta" (the choice lists the server last gave this user, and whose they are).
// Nothing else is kept: no case data, no token. Logging out deletes the whole database (here, from
// the logout button, and by the server's Clear-Site-Data header).
"use strict";
(() => {
  const NAME = "shien-field";
  const VERSION = 1;

  const promised = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

  const open = () => new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("entries")) db.createObjectStore("entries", { keyPath: "key" });
      if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("blocked"));
  });

  // One transaction over the named stores; `work` gets them by name and issues its requests at once.
  const run = async (names, mode, work) => {
    const db = await open();
    try {
      const transaction = db.transaction(names, mode);
      const done = new Promise((resolve, reject) => {
        transaction.oncomplete = resolve;
        transaction.onerror = transaction.onabort = () => reject(transaction.error);
      });
      const stores = Object.fromEntries(names.map((name) => [name, transaction.objectStore(name)]));
      const result = await work(stores);
      await done;
      return result;
    } finally {
      db.close();
    }
  };

  const exists = async () => {
    if (!indexedDB.databases) return true;
    return (await indexedDB.databases()).some((db) => db.name === NAME);
  };

  window.fieldStore = {
    // Oldest first: the order they were recorded in is the order they are sent in.
    entries: () => run(["entries"], "readonly", ({ entries }) => promised(entries.getAll()))
      .then((all) => all.sort((a, b) => a.recordedAt - b.recordedAt || a.seq - b.seq)),
    put: (entry) => run(["entries"], "readwrite", ({ entries }) => promised(entries.put(entry))),
    remove: (key) => run(["entries"], "readwrite", ({ entries }) => promised(entries.delete(key))),
    meta: (key) => run(["meta"], "readonly", ({ meta }) => promised(meta.get(key))),
    setMeta: (key, value) => run(["meta"], "readwrite", ({ meta }) => promised(meta.put(value, key))),
    // Everything of the previous user, when another one signs in on this phone.
    clear: () => run(["entries", "meta"], "readwrite", ({ entries, meta }) => Promise.all([
      promised(entries.clear()), promised(meta.clear()),
    ])),
    count: async () => ((await exists())
      ? run(["entries"], "readonly", ({ entries }) => promised(entries.count())) : 0),
    destroy: () => new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(NAME);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    }),
  };
})();
