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
// record it twice. The token the form was sent with is kept for this tab and put back on a
// back/forward navigation only: a form opened by a link stays a new form.
document.addEventListener("DOMContentLoaded", () => {
  const navigation = performance.getEntriesByType("navigation")[0];
  const back = navigation && navigation.type === "back_forward";
  document.querySelectorAll("form input[name='once_token']").forEach((input, index) => {
    const key = `once_token:${location.pathname}${location.search}:${index}`;
    const sent = sessionStorage.getItem(key);
    if (back && sent) input.value = sent;
    input.form.addEventListener("submit", () => sessionStorage.setItem(key, input.value));
  });
});
