// The field page (現地での記録, activities/field.py): record on the phone first, send when there is signal.
//
// Saving puts the entry in the phone's store (field_store.js) with a key made here and the user it
// was saved by, and says 「保存しました（未送信）」. Sending (when the page opens with signal, when the
// connection returns, and on the button) posts the waiting entries oldest first; the server stores
// each key once, so a resend after a lost answer is answered "already stored" and never makes a
// second record. An entry the server refuses stays here with its reasons, to be corrected (it then
// gets a new key: a refused key was never stored) or discarded. The choice lists are the ones the
// server last gave this user; another user's entries never stay, nor are they sent as this user's.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const body = document.body;
  const store = window.fieldStore;
  const $ = (id) => document.getElementById(id);
  const forms = Array.from(document.querySelectorAll(".field-form"));
  const formOf = (kind) => forms.find((form) => form.dataset.kind === kind);
  const KIND_LABELS = { activity: "活動", need: "地域ニーズ", resource: "社会資源のメモ" };
  const TIMEOUT = 20000; // a stalled request on a weak signal counts as no signal after this
  let csrf = null; // the sending's token: in this page's memory only, never on the phone
  let owner; // the user the lists are for; each entry is saved with it
  let seq = 0;
  let editing = null; // the refused entry being corrected, if any

  const today = () => {
    const now = new Date();
    return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  };
  const newKey = () => {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const japaneseDate = (iso) => {
    const [y, m, d] = iso.split("-").map(Number);
    if (!y) return iso;
    const reiwa = y - 2018;
    return reiwa >= 1 ? `令和${reiwa === 1 ? "元" : reiwa}年${m}月${d}日` : `${y}年${m}月${d}日`;
  };
  const request = (url, options = {}) => fetch(url, {
    credentials: "same-origin", redirect: "manual",
    ...(window.AbortSignal && AbortSignal.timeout ? { signal: AbortSignal.timeout(TIMEOUT) } : {}), ...options,
  });
  const json = async (response) => {
    try {
      return await response.json();
    } catch {
      return null;
    }
  };

  // --- Messages -------------------------------------------------------------------------
  const say = (text, tone = "success") => {
    const status = $("field-status");
    status.replaceChildren();
    const p = document.createElement("p");
    p.className = `message message--${tone}`;
    p.textContent = text;
    status.append(p);
  };
  const showConnection = () => {
    const line = $("field-connection");
    line.dataset.state = navigator.onLine ? "online" : "offline";
    line.textContent = navigator.onLine ? "電波があります。保存した記録はすぐに送信します。"
      : "電波がありません。記録は端末に保存し、電波が戻ったら送信します。";
  };

  // --- Choice lists -----------------------------------------------------------------------
  const fill = (select, groups) => {
    const chosen = Array.from(select.selectedOptions, (o) => o.value);
    select.replaceChildren();
    for (const group of groups) {
      const parent = group.label ? document.createElement("optgroup") : select;
      if (group.label) { parent.label = group.label; select.append(parent); }
      for (const option of group.options) {
        const element = new Option(option.label, option.value);
        element.selected = chosen.includes(option.value);
        parent.append(element);
      }
    }
    // One area (or one of anything) to choose from: chosen already, one tap less on the phone.
    const real = Array.from(select.options).filter((o) => o.value !== "");
    if (select.required && !select.multiple && select.value === "" && real.length === 1) real[0].selected = real[0].defaultSelected = true;
  };
  const applyChoices = (choices) => {
    for (const form of forms) {
      const lists = choices.fields[form.dataset.kind] || {};
      for (const select of form.querySelectorAll("select[data-choices]")) {
        const groups = lists[select.dataset.choices];
        const wrapper = select.closest("[data-only-with]");
        if (wrapper) wrapper.hidden = !groups;
        select.disabled = !groups;
        if (groups) fill(select, groups);
      }
    }
    $("field-forms").hidden = false;
    $("field-no-choices").hidden = true;
  };
  const DATE_FIELDS = ["date", "raised_on"];
  const setToday = (form) => {
    for (const name of DATE_FIELDS) {
      const input = form.elements[name];
      if (input) { input.value = today(); input.dataset.auto = input.value; }
    }
  };
  const resetForm = (form) => {
    form.reset();
    const initial = (window.fieldChoices && window.fieldChoices.initial[form.dataset.kind]) || {};
    for (const [name, value] of Object.entries(initial)) {
      if (form.elements[name]) form.elements[name].value = value;
    }
    setToday(form); // the day it is recorded, not the day it is sent
    form.querySelector("[data-cancel-edit]").hidden = true;
    form.querySelector("[data-edit-reasons]").hidden = true;
  };
  // Opened again the next morning (an installed app stays in memory): a date nobody changed is today's.
  const keepDatesCurrent = () => {
    for (const form of forms) {
      for (const name of DATE_FIELDS) {
        const input = form.elements[name];
        if (input && input.dataset.auto && input.value === input.dataset.auto && input.value !== today()) {
          input.value = today();
          input.dataset.auto = input.value;
        }
      }
    }
  };
  document.addEventListener("visibilitychange", () => { if (!document.hidden) keepDatesCurrent(); });
  window.addEventListener("pageshow", keepDatesCurrent);

  // Entries another user saved on this phone are theirs: removed, never sent as this user's.
  const removeOthers = async () => {
    const others = (await store.entries()).filter((entry) => entry.owner !== owner);
    for (const entry of others) await store.remove(entry.key);
    if (others.length) say(`前に使っていた人の未送信の記録${others.length}件を、この端末から消去しました。`, "error");
    return others.length;
  };

  // Ask the server for this user's lists (and the sending's token). Returns "ok", "login" or "offline".
  const refresh = async () => {
    let response;
    try {
      response = await request(body.dataset.choicesUrl, { cache: "no-store" });
    } catch {
      return "offline";
    }
    if (response.type === "opaqueredirect" || [302, 403, 404].includes(response.status)) return "login";
    const choices = response.ok ? await json(response) : null;
    if (!choices) return "offline";
    const before = await store.meta("owner");
    owner = choices.owner;
    if (before !== owner) await store.setMeta("owner", owner);
    await removeOthers();
    await store.setMeta("choices", { fields: choices.fields, initial: choices.initial, received: choices.received });
    csrf = choices.csrf;
    const first = !window.fieldChoices || before !== owner;
    window.fieldChoices = choices;
    applyChoices(choices);
    if (first) forms.forEach(resetForm);
    return "ok";
  };

  // --- The list of waiting entries ---------------------------------------------------------
  const summary = (entry) => {
    const get = (name) => (entry.fields.find(([n]) => n === name) || [])[1] || "";
    if (entry.kind === "activity") return `${japaneseDate(get("date"))} ${entry.labels.category || ""} ${get("narrative").slice(0, 40)}`;
    if (entry.kind === "need") return `${japaneseDate(get("raised_on"))} ${get("title")}`;
    return get("name");
  };
  const button = (text, className, describedBy, onClick) => {
    const element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.textContent = text;
    element.setAttribute("aria-describedby", describedBy);
    element.addEventListener("click", onClick);
    return element;
  };
  const render = async () => {
    const entries = (await store.entries()).filter((entry) => owner === undefined || entry.owner === owner);
    const list = $("field-waiting");
    list.replaceChildren();
    $("field-waiting-count").textContent = String(entries.length);
    $("field-waiting-empty").hidden = entries.length > 0;
    entries.forEach((entry, index) => {
      const item = document.createElement("li");
      item.className = "card field-entry";
      item.dataset.state = entry.status;
      const head = document.createElement("p");
      head.id = `field-entry-${index}`;
      const badge = document.createElement("strong");
      badge.textContent = entry.status === "refused" ? "送信できませんでした" : "未送信";
      head.append(badge, ` ${KIND_LABELS[entry.kind]}：${summary(entry)}`);
      item.append(head);
      if (entry.status === "refused") {
        const reasons = document.createElement("ul");
        reasons.className = "errorlist";
        reasons.id = `field-entry-${index}-reasons`;
        for (const reason of entry.reasons || []) {
          const li = document.createElement("li");
          li.textContent = reason;
          reasons.append(li);
        }
        const actions = document.createElement("p");
        actions.className = "actions";
        const about = `${head.id} ${reasons.id}`;
        actions.append(
          button("直す", "button button--secondary", about, () => startEdit(entry)),
          button("破棄する", "button button--danger", about, async () => {
            if (!window.confirm(`この${KIND_LABELS[entry.kind]}の記録を端末から消します。よろしいですか？`)) return;
            await store.remove(entry.key);
            say("記録を破棄しました。");
            await render();
            $("field-waiting-heading").focus();
          }),
        );
        item.append(reasons, actions);
      }
      list.append(item);
    });
    return entries;
  };

  // --- Saving on the phone ------------------------------------------------------------------
  const chooseKind = (kind) => {
    for (const radio of document.querySelectorAll("input[name='field-kind']")) radio.checked = radio.value === kind;
    for (const form of forms) form.hidden = form.dataset.kind !== kind;
  };
  const startEdit = (entry) => {
    const form = formOf(entry.kind);
    chooseKind(entry.kind);
    form.reset();
    const values = {};
    for (const [name, value] of entry.fields) (values[name] ||= []).push(value);
    for (const element of form.elements) {
      if (!element.name) continue;
      if (element.type === "checkbox") element.checked = element.name in values;
      else if (element.multiple) for (const option of element.options) option.selected = (values[element.name] || []).includes(option.value);
      else if (element.name in values) element.value = values[element.name][0];
    }
    for (const name of DATE_FIELDS) if (form.elements[name]) delete form.elements[name].dataset.auto;
    editing = entry;
    const reasons = form.querySelector("[data-edit-reasons]");
    reasons.replaceChildren(...(entry.reasons || []).map((reason) => {
      const li = document.createElement("li");
      li.textContent = reason;
      return li;
    }));
    reasons.hidden = false;
    form.querySelector("[data-cancel-edit]").hidden = false;
    say("送信できなかった記録を入力欄に戻しました。理由を見て直し、「端末に保存する」を押してください。", "error");
    form.querySelector("input, select, textarea").focus();
  };
  for (const radio of document.querySelectorAll("input[name='field-kind']")) {
    radio.addEventListener("change", () => chooseKind(radio.value));
  }
  for (const form of forms) {
    form.querySelector("[data-cancel-edit]").addEventListener("click", () => {
      editing = null;
      resetForm(form);
      say("直すのをやめました。記録は「未送信の記録」に残っています。");
      $("field-waiting-heading").focus();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (owner === undefined) return;
      const fields = [];
      for (const [name, value] of new FormData(form)) fields.push([name, String(value)]);
      const labels = {};
      for (const select of form.querySelectorAll("select")) {
        labels[select.name] = Array.from(select.selectedOptions, (o) => o.textContent).join("、");
      }
      const corrected = editing && editing.kind === form.dataset.kind ? editing : null;
      const entry = {
        // A corrected entry gets a new key: the server refused the old one, so it never stored it.
        key: newKey(), owner, kind: form.dataset.kind, fields, labels, status: "pending", reasons: [],
        recordedAt: corrected ? corrected.recordedAt : Date.now(), seq: corrected ? corrected.seq : seq++,
      };
      try {
        await store.put(entry);
        if (corrected) await store.remove(corrected.key);
      } catch {
        say("端末に保存できませんでした。入力した内容はそのまま残っています。ブラウザの空き容量やプライベートモードを確かめてください。", "error");
        return;
      }
      editing = null;
      resetForm(form);
      say("保存しました（未送信）");
      await render();
      if (navigator.onLine) sendAll();
    });
  }

  // --- Sending ------------------------------------------------------------------------------
  const post = (entry) => {
    const data = new URLSearchParams(entry.fields);
    data.set("kind", entry.kind);
    data.set("key", entry.key);
    data.set("owner", String(entry.owner));
    return request(body.dataset.sendUrl, {
      method: "POST", body: data, headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
    });
  };
  const needLogin = (shown) => { $("field-login").hidden = !shown; };
  const LOGIN = "送信するにはログインしてください。記録は端末に残っています。";
  // Sends what is waiting. Stopped (no signal, signed out) it is not tried again at once: the
  // connection's return, the page's opening or the button start the next round.
  const STOPPED = "stopped";
  const sendOnce = async (fresh) => {
    if (!(await store.entries()).some((entry) => entry.status === "pending")) return "done";
    const state = fresh ? "ok" : await refresh();
    if (state === "login") { needLogin(true); say(LOGIN, "error"); return STOPPED; }
    if (state === "offline") { say("電波がないため送信できませんでした。記録は端末に残っています。", "error"); return STOPPED; }
    needLogin(false);
    // Read after the refresh: only this user's entries, oldest first.
    const waiting = (await store.entries()).filter((entry) => entry.status === "pending" && entry.owner === owner);
    let sent = 0;
    let refused = 0;
    let later = 0;
    let others = 0;
    for (const entry of waiting) {
      let response;
      try {
        response = await post(entry);
        if (response.status === 403) {
          // A stale token (signed in again elsewhere): new lists and token, and only if it is still this user.
          const before = owner;
          const state = await refresh();
          if (state !== "ok" || owner !== before) {
            // Signed out, no signal, or another user now (whose refresh removed these entries and said so).
            if (state === "login") { needLogin(true); say(LOGIN, "error"); }
            if (state === "offline") say("電波が切れたため、残りは電波が戻ったら送信します。", "error");
            await render();
            return STOPPED;
          }
          response = await post(entry);
        }
      } catch {
        say(`${sent}件を送信しました。電波が切れたため、残りは電波が戻ったら送信します。`, "error");
        await render();
        return STOPPED;
      }
      const answer = await json(response);
      if (response.status === 200 || response.status === 201) {
        await store.remove(entry.key);
        sent += 1;
      } else if (response.status === 409) {
        await store.remove(entry.key); // saved by someone else on this phone: never sent as this user's
        others += 1;
      } else if (response.type === "opaqueredirect" || response.status === 403) {
        needLogin(true);
        say(LOGIN, "error");
        await render();
        return STOPPED;
      } else if (response.status >= 400 && response.status < 500) {
        const reasons = answer && answer.reasons ? answer.reasons
          : [`この記録は受け付けられませんでした（${response.status}）。内容を確かめて直すか、破棄してください。`];
        await store.put({ ...entry, status: "refused", reasons });
        refused += 1;
      } else {
        later += 1; // the server could not answer now: kept as it is, tried again later; the rest go on
      }
    }
    await render();
    const parts = [`${sent}件を送信しました。`];
    if (refused) parts.push(`${refused}件は送信できませんでした。理由を見て、直すか破棄してください。`);
    if (others) parts.push(`${others}件は別の利用者がこの端末で保存した記録のため、端末から消去しました。`);
    if (later) parts.push(`${later}件はサーバーが応答しなかったため、あとでもう一度送信します。「今すぐ送信する」でも送れます。`);
    say(parts.join(""), refused || later || others ? "error" : "success");
    return "done";
  };
  // One sending at a time in this browser (two tabs take turns); an entry saved meanwhile is sent
  // by another round. The server stores each key once anyway.
  let sending = false;
  let again = false;
  const sendAll = async (fresh = false) => {
    if (sending) { again = true; return; }
    sending = true;
    try {
      let first = fresh;
      let result;
      do {
        again = false;
        result = navigator.locks ? await navigator.locks.request("shien-field-send", () => sendOnce(first))
          : await sendOnce(first);
        first = false;
      } while (again && result !== STOPPED && navigator.onLine);
    } finally {
      sending = false;
    }
  };
  $("field-send").addEventListener("click", async () => {
    if (!navigator.onLine) { say("電波がありません。電波が戻ったら自動で送信します。", "error"); return; }
    if (!(await store.entries()).some((entry) => entry.status === "pending" && entry.owner === owner)) {
      say("送信する記録はありません。");
      return;
    }
    sendAll();
  });
  window.addEventListener("online", () => { showConnection(); sendAll(); });
  window.addEventListener("offline", showConnection);

  // Logged out in another tab: this page forgets the user at once (the store is deleted there).
  if (window.BroadcastChannel) {
    new BroadcastChannel("shien-field").addEventListener("message", (event) => {
      if (event.data !== "logout") return;
      owner = undefined;
      csrf = null;
      window.fieldChoices = null;
      $("field-forms").hidden = true;
      $("field-waiting").replaceChildren();
      $("field-waiting-count").textContent = "0";
      $("field-waiting-empty").hidden = false;
      $("field-no-choices").hidden = false;
      say("ログアウトしました。この端末の記録と選択肢は消去されました。", "error");
    });
  }

  // --- Opening -------------------------------------------------------------------------------
  (async () => {
    showConnection();
    const kept = await store.meta("choices");
    owner = await store.meta("owner");
    if (kept && owner !== undefined) {
      window.fieldChoices = kept;
      applyChoices(kept);
      forms.forEach(resetForm);
    }
    await render();
    if (navigator.onLine) {
      const state = await refresh();
      if (state === "ok") { await render(); await sendAll(true); } else if (state === "login") needLogin(true);
    }
    if (!window.fieldChoices) $("field-no-choices").hidden = false;
    body.dataset.ready = "true";
  })();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.dataset.swUrl, { scope: body.dataset.scope }).catch(() => {});
  }
});
