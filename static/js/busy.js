// Actions that take a while (a photo upload, PDFs, mails, an import): a form marked
// data-busy="送信しています…" says so once sent, in a live region that screen readers read, and its
// buttons cannot be pressed a second time. The buttons are disabled just after the submit event, so
// that the pressed button's name and value still go with the form. A form whose answer may be a
// download (data-busy-download: the page stays) comes back to life after a while; a page brought
// back by the browser's back button is reset.
(() => {
  const BUTTONS = "button:not([type]), button[type='submit'], input[type='submit']";
  const DOWNLOAD_RESET_MS = 8000;

  const statusOf = (form) => {
    let status = form.querySelector("[data-busy-status]");
    if (!status) {
      status = document.createElement("span");
      // A polite live region without the status role: the page's own messages keep that role alone.
      status.setAttribute("aria-live", "polite");
      status.setAttribute("data-busy-status", "");
      status.className = "busy-status";
      const buttons = form.querySelectorAll(BUTTONS);
      const last = buttons[buttons.length - 1];
      (last ? last.parentElement : form).append(status);
    }
    return status;
  };

  const reset = (form) => {
    form.removeAttribute("aria-busy");
    form.querySelectorAll(BUTTONS).forEach((button) => { button.disabled = false; });
    statusOf(form).textContent = "";
  };

  const watch = (form) => {
    statusOf(form);  // the live region exists before its text changes, so that it is announced
    form.addEventListener("submit", (event) => {
      if (form.getAttribute("aria-busy") === "true") {
        event.preventDefault();
        return;
      }
      setTimeout(() => {
        if (event.defaultPrevented) return;  // another script (e.g. the admin's "no action chosen") stopped it
        form.setAttribute("aria-busy", "true");
        form.querySelectorAll(BUTTONS).forEach((button) => { button.disabled = true; });
        statusOf(form).textContent = form.dataset.busy;
        if ("busyDownload" in form.dataset) setTimeout(() => reset(form), DOWNLOAD_RESET_MS);
      }, 0);
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    // The admin's list: every action may render PDFs or send mails, and some answer with a download.
    const changelist = document.getElementById("changelist-form");
    if (changelist && !changelist.dataset.busy) {
      changelist.dataset.busy = "処理しています…";
      changelist.dataset.busyDownload = "";
    }
    document.querySelectorAll("form[data-busy]").forEach(watch);
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) document.querySelectorAll("form[data-busy]").forEach(reset);
  });
})();
