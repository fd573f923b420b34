// The menu button for narrow screens. Without JavaScript the menu simply stays open.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (!toggle || !nav) return;
  document.documentElement.classList.add("js");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", String(!open));
    nav.classList.toggle("is-open", !open);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("is-open")) {
      toggle.setAttribute("aria-expanded", "false");
      nav.classList.remove("is-open");
      toggle.focus();
    }
  });
});

// One-time form tokens (municipality/once.py). Going back to a form already sent, the browser may
// load the page anew (with a new token) and put back what was typed; sending it again would then
// record it twice. The token the form was sent with, and what it carried, are kept for this tab; on
// a back/forward navigation the token is put back, and kept only if the form is sent unchanged: a
// changed form is another record and gets a token of its own. A form opened by a link stays new.
const onceFields = (form) => {
  const data = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (name !== "once_token" && name !== "csrfmiddlewaretoken") {
      data.append(name, typeof value === "string" ? value : `${value.name}:${value.size}`);
    }
  }
  return data.toString();
};
const freshToken = () => {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
document.addEventListener("DOMContentLoaded", () => {
  const navigation = performance.getEntriesByType("navigation")[0];
  const back = navigation && navigation.type === "back_forward";
  document.querySelectorAll("form input[name='once_token']").forEach((input, index) => {
    const key = `once_token:${location.pathname}${location.search}:${index}`;
    let sent = null;
    try {
      sent = JSON.parse(sessionStorage.getItem(key) || "null");
    } catch {
      sent = null;
    }
    const restored = back && sent && sent.token ? sent : null;
    if (restored) input.value = restored.token;
    input.form.addEventListener("submit", () => {
      const fields = onceFields(input.form);
      if (restored && input.value === restored.token && fields !== restored.fields) input.value = freshToken();
      sessionStorage.setItem(key, JSON.stringify({ token: input.value, fields }));
    });
  });
});

// Logging out empties the phone's store of the field page (現地での記録, field_store.js); the server
// also sends Clear-Site-Data. Entries not yet sent would be lost: the user is asked first.
document.addEventListener("DOMContentLoaded", () => {
  const store = window.fieldStore;
  document.querySelectorAll("form[data-logout]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      if (!store || form.dataset.cleared === "true") return;
      event.preventDefault();
      let waiting = 0;
      try {
        waiting = await store.count();
      } catch {
        waiting = 0;
      }
      if (waiting && !window.confirm(`この端末に未送信の記録が${waiting}件あります。ログアウトすると端末から消えます。ログアウトしますか？\n（送信するには「現地での記録」の画面で「今すぐ送信する」を押してください）`)) return;
      // A field page open in another tab forgets the user at once (field.js).
      if (window.BroadcastChannel) new BroadcastChannel("shien-field").postMessage("logout");
      await store.destroy();
      form.dataset.cleared = "true";
      form.submit();
    });
  });
});
