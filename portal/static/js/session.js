/* The idle timeout, said in advance (WCAG 2.2.1), and typed text kept across it.
 *
 * Configured by its script tag in base.html (only when logged in): data-idle-seconds (30
 * minutes), data-absolute-seconds (what is left of the 12 hours), data-extend-url
 * (POST /auth/forlaeng), data-login-url and data-user.
 *
 * - WARN_SECONDS before the session ends, a modal dialog takes the focus: "Du bliver logget ud
 *   om 5 minutter" with "Forlæng", which POSTs to the extend URL (the CSRF token of the
 *   header's log-out form) and so starts the 30 minutes over. The 12-hour limit is not
 *   moved; near it the dialog says so and offers no "Forlæng".
 * - Tabs share the last request's time (localStorage), so a page used in another tab
 *   postpones the warning here too.
 * - When the time is up, the dialog says so, and a form the user had typed in is kept in
 *   this tab (sessionStorage, with the user's id, never passwords or files). After logging in
 *   again, the same page puts it back into its form and says so; it is never sent on its own.
 *   The server's "Du er logget ud" page says the text is kept when it is.
 * - A form marked data-jobbro-no-keep (health details: skånehensyn; the erasure of a citizen)
 *   is never kept, neither here nor as it is sent; the dialog then says that what was typed is
 *   lost.
 * - Every post form in <main> is also kept in this tab as it is sent (the same format; never
 *   passwords, files, the CSRF token or hidden fields other than the version the values were
 *   based on), because the server may have ended the
 *   session meanwhile (log-out or a password change on another device), and it can hold only a
 *   small form itself (portal/auth/relogin.py). The copy is dropped by the next page that is
 *   logged in, unless a page that says so (data-jobbro-kept-note: the log-in page or "Du er
 *   logget ud") came first; then the form's page puts it back after the log-in, as above.
 * - A logged-in page may say so too: »Det, du sendte, er ikke gemt« (data-jobbro-kept-note="stale",
 *   a form refused for a token from before the user's last log-in, e.g. in another tab). Its
 *   note is shown, and the copy kept, only when the copy is this user's, of the form just sent,
 *   from the page its link leads back to (data-jobbro-kept-for); the form's page then puts it
 *   back with a note that says why (not "logged out": the user was not, in this tab).
 * - Whatever is kept, sent or not, is dropped as soon as a page of another user loads in this
 *   tab: the next person at a shared computer never has the last one's text in the tab.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var SEEN_KEY = "jobbro-session-seen";
  var KEEP_KEY = "jobbro-kept-form";
  var WARN_SECONDS = 5 * 60;
  var KEEP_MS = 60 * 60 * 1000;
  var SENT_MS = 5 * 60 * 1000;  // a sent form reaches a log-in page at once, or was answered
  // Hidden fields that say which version the typed values were based on: kept and put back with
  // them, so the server's edit-conflict check compares against what the user saw, not the fresh
  // page (a colleague's save in between is merged or shown, never overwritten). No other hidden
  // field is kept.
  var VERSION_FIELDS = ["version", "base"];
  var NO_KEEP = "data-jobbro-no-keep";
  // What the form's page says when it puts the copy back, by why it was not saved: the session had
  // ended (the log-in page), or the user, still logged in, sent a form opened before their last
  // log-in (»Det, du sendte, er ikke gemt«).
  var RESTORED_LOGGED_OUT = "Det, du skrev, før du blev logget ud, er sat ind igen.";
  var RESTORED_STALE = "Det, du skrev, er sat ind igen: det blev ikke gemt, fordi formularen var åbnet, " +
    "før du sidst loggede ind (fx i en anden fane), eller var for gammel.";

  function storage(kind) {
    try { return window[kind]; } catch (e) { return null; }
  }
  var local = storage("localStorage");
  var tab = storage("sessionStorage");

  function readKept() {
    if (!tab) { return null; }
    try {
      var kept = JSON.parse(tab.getItem(KEEP_KEY) || "null");
      if (kept && Date.now() - kept.at < KEEP_MS) { return kept; }
    } catch (e) { /* unreadable: drop it */ }
    tab.removeItem(KEEP_KEY);
    return null;
  }

  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  // On the log-in page, the server's "Du er logget ud" page and the logged-in »Det, du sendte, er
  // ikke gemt«: say that the text is kept, when it is. A form kept as it was sent is now waiting
  // for the log-in, or for the form's page (see restore), which the visible note tells restore.
  var NOTE = "data-jobbro-kept-note";
  ready(function () {
    var note = document.querySelector("[" + NOTE + "]");
    var kept = note && readKept();
    if (!kept) { return; }
    var why = note.getAttribute(NOTE) === "stale" ? "stale" : "logged-out";
    var user = script && script.dataset.user;  // a logged-in page: only this user's copy is theirs
    if (user && kept.user !== user) { tab.removeItem(KEEP_KEY); return; }
    var forPage = note.getAttribute("data-jobbro-kept-for");
    // A refused form's page: only the copy of the form just sent is the text it speaks of.
    if (why === "stale" && (!kept.sent || (forPage !== null && kept.path !== forPage))) { return; }
    if (kept.sent && !kept.relogin) {
      if (Date.now() - kept.at > SENT_MS) { tab.removeItem(KEEP_KEY); return; }
      kept.relogin = true;
      kept.why = why;
      tab.setItem(KEEP_KEY, JSON.stringify(kept));
    }
    note.hidden = false;
    // "Gør det igen" is then not true: the text comes back after the log-in (review BH).
    document.querySelectorAll("[data-jobbro-not-kept]").forEach(function (el) { el.hidden = true; });
  });

  if (!script || !script.dataset.idleSeconds) { return; }  // not logged in
  var cfg = script.dataset;
  var idleMs = Number(cfg.idleSeconds) * 1000;
  var absoluteEnd = Date.now() + Number(cfg.absoluteSeconds) * 1000;
  var seen = Date.now();
  if (local) { local.setItem(SEEN_KEY, String(seen)); }

  function lastSeen() {
    var shared = local ? Number(local.getItem(SEEN_KEY)) || 0 : 0;
    return Math.max(seen, shared);
  }

  function deadline() { return Math.min(lastSeen() + idleMs, absoluteEnd); }

  function here() { return location.pathname + location.search; }

  // ---- keeping what was typed ------------------------------------------------------------

  function typedForm() {
    var forms = document.querySelectorAll("main form[method=post], main form[method=POST]");
    for (var i = 0; i < forms.length; i++) {
      var changed = Array.prototype.some.call(forms[i].elements, function (el) {
        if (el.type === "checkbox" || el.type === "radio") { return el.checked !== el.defaultChecked; }
        if (el.tagName === "SELECT") {
          return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
        }
        return "value" in el && "defaultValue" in el && el.type !== "password" && el.value !== el.defaultValue;
      });
      if (changed) { return { form: forms[i], index: i }; }
    }
    return null;
  }

  function keepable(form) { return !form.hasAttribute(NO_KEEP); }

  function keep(found, sent) {
    if (!tab || !found || !keepable(found.form)) { return; }
    var fields = [];
    Array.prototype.forEach.call(found.form.elements, function (el) {
      if (!el.name || el.disabled || el.name === "csrf_token" || el.type === "password" || el.type === "file" ||
          (el.type === "hidden" && VERSION_FIELDS.indexOf(el.name) === -1) || el.type === "submit" ||
          el.type === "button") { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { fields.push([el.name, o.value]); });
        return;
      }
      fields.push([el.name, el.value]);
    });
    try {
      tab.setItem(KEEP_KEY, JSON.stringify({ user: cfg.user, path: here(), index: found.index, sent: !!sent,
                                             action: found.form.action, fields: fields, at: Date.now() }));
    } catch (e) { /* storage full or refused: the server's own hold is all there is */ }
  }

  function restore() {
    var kept = readKept();
    if (!kept) { return; }
    if (kept.user !== cfg.user) { tab.removeItem(KEEP_KEY); return; }  // another user's: never left here
    // A logged-in page whose note says the copy is kept for the form's page (»Det, du sendte, er
    // ikke gemt«, which may have the form's own URL): not the page that answered it, nor the form.
    var held = document.querySelector("[" + NOTE + "]");
    if (held && !held.hidden) { return; }
    if (kept.sent && !kept.relogin) { tab.removeItem(KEEP_KEY); return; }  // it was answered: sent
    if (kept.path !== here()) {
      if (kept.sent) { tab.removeItem(KEEP_KEY); }  // the server held it (/auth/send-igen)
      return;
    }
    tab.removeItem(KEEP_KEY);
    var forms = document.querySelectorAll("main form[method=post], main form[method=POST]");
    var form = forms[kept.index];
    if (!form || form.action !== kept.action) { return; }
    var names = {};
    kept.fields.forEach(function (pair) { (names[pair[0]] = names[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || !(el.name in names) ||
          (el.type === "hidden" && VERSION_FIELDS.indexOf(el.name) === -1)) { return; }
      var values = names[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) !== -1; });
      } else if (el.type !== "password" && el.type !== "file" && el.type !== "submit" && el.type !== "button") {
        el.value = values.shift();
      }
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
    var note = document.createElement("div");
    note.className = "alert alert-info";
    note.setAttribute("role", "status");
    note.setAttribute("tabindex", "-1");
    note.setAttribute("data-testid", "kept-form-restored");
    note.innerHTML = '<div class="alert-body"><p class="alert-text"></p></div>';
    note.querySelector("p").textContent = (kept.why === "stale" ? RESTORED_STALE : RESTORED_LOGGED_OUT) +
      " Det er ikke sendt: kontrollér det, og send formularen.";
    form.parentNode.insertBefore(note, form);
    note.focus();
  }

  // ---- the warning -------------------------------------------------------------------------

  var dialog, text, extendButton, closeButton, loginLink, returnFocus, warned = false, expired = false;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "jobbro-session-dialog";
    dialog.setAttribute("aria-labelledby", "jobbro-session-title");
    dialog.setAttribute("aria-describedby", "jobbro-session-text");
    dialog.setAttribute("data-testid", "session-warning");
    dialog.style.maxWidth = "32rem";
    dialog.style.padding = "1.5rem";
    dialog.style.border = "1px solid #747474";
    dialog.style.borderRadius = "4px";
    dialog.innerHTML =
      '<h2 id="jobbro-session-title" class="h3 mt-0"></h2>' +
      '<p id="jobbro-session-text"></p>' +
      '<p class="mb-0"><button type="button" class="button button-primary" data-act="extend">Forlæng</button> ' +
      '<a class="button button-primary" data-act="login" hidden>Log ind igen</a> ' +
      '<button type="button" class="button button-secondary" data-act="close">Luk</button></p>';
    text = dialog.querySelector("#jobbro-session-text");
    extendButton = dialog.querySelector("[data-act=extend]");
    closeButton = dialog.querySelector("[data-act=close]");
    loginLink = dialog.querySelector("[data-act=login]");
    loginLink.href = cfg.loginUrl + "?next=" + encodeURIComponent(here());
    extendButton.addEventListener("click", extend);
    closeButton.addEventListener("click", close);
    dialog.addEventListener("close", function () {
      if (dialog.open) { return; }  // closed to be opened again with new words (show): not left
      if (returnFocus && document.contains(returnFocus)) { returnFocus.focus(); }
    });
    document.body.appendChild(dialog);
  }

  function minutes(ms) {
    var m = Math.max(1, Math.ceil(ms / 60000));
    return m === 1 ? "1 minut" : m + " minutter";
  }

  function show(title, body, canExtend) {
    if (!dialog) { build(); }
    var heading = dialog.querySelector("h2");
    // The warning turning into "Du er logget ud" while open: a screen reader announces a dialog's
    // name and description when it opens, not when its words change, so it is opened again.
    var reopen = dialog.open && heading.textContent !== title && typeof dialog.close === "function";
    if (reopen) { dialog.close(); }
    heading.textContent = title;
    text.textContent = body;
    extendButton.hidden = !canExtend;
    loginLink.hidden = canExtend || !expired;
    if (!dialog.open) {
      if (!reopen) { returnFocus = document.activeElement; }
      if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    }
    (canExtend ? extendButton : (expired ? loginLink : closeButton)).focus();
  }

  function close() {
    if (!dialog) { return; }
    if (typeof dialog.close === "function" && dialog.open) { dialog.close(); } else { dialog.removeAttribute("open"); }
  }

  function warn() {
    var left = deadline() - Date.now();
    if (absoluteEnd <= lastSeen() + idleMs) {
      show("Du bliver snart logget ud",
           "Du bliver logget ud om " + minutes(left) + ", fordi du har været logget ind i 12 timer. " +
           "Send det, du er i gang med, inden da.", false);
      return;
    }
    show("Du bliver snart logget ud",
         "Du bliver logget ud om " + minutes(left) + ", fordi du ikke har været aktiv. " +
         "Vælg Forlæng for at blive logget ind; det, du har skrevet, bliver stående.", true);
  }

  function endNow() {
    expired = true;
    var found = typedForm();
    keep(found);
    var why = absoluteEnd <= lastSeen() + idleMs ? "du har været logget ind i 12 timer"
                                                 : "du ikke var aktiv i " + Math.round(idleMs / 60000) + " minutter";
    var typed = !found ? "Log ind igen for at fortsætte." :
      keepable(found.form) ? "Det, du skrev, er ikke sendt, men denne browser har husket det: log ind igen, " +
                             "så sættes det ind i formularen igen." :
      "Det, du skrev, er ikke sendt, og browseren har ikke husket det, fordi det er følsomme oplysninger: " +
      "log ind igen, og skriv det igen.";
    show("Du er logget ud", "Du blev logget ud, fordi " + why + ". " + typed, false);
  }

  function extend() {
    var token = document.getElementById("logout-csrf-token");
    fetch(cfg.extendUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (answer) {
      seen = Date.now();
      if (local) { local.setItem(SEEN_KEY, String(seen)); }
      idleMs = answer.idle_seconds * 1000;
      absoluteEnd = Date.now() + answer.absolute_seconds * 1000;
      warned = false;
      close();
    }).catch(function () {
      endNow();
    });
  }

  function tick() {
    if (expired) { return; }
    var left = deadline() - Date.now();
    if (left <= 0) {
      endNow();
    } else if (left <= WARN_SECONDS * 1000) {
      if (!warned) { warned = true; warn(); } else if (dialog && dialog.open) {
        text.textContent = text.textContent.replace(/om \d+ minut(ter)?/, "om " + minutes(left));
      }
    } else if (warned) {  // another tab extended the session
      warned = false;
      close();
    }
  }

  ready(function () {
    restore();
    // The log-out button ends what is kept in this tab too (a shared computer).
    var logout = document.getElementById("logout-csrf-token");
    if (logout && logout.form) {
      logout.form.addEventListener("submit", function () { if (tab) { tab.removeItem(KEEP_KEY); } });
    }
    // Every form sent may meet a session ended meanwhile (here after the time is up, or on
    // another device at any time): keep it first; the next page decides (see restore).
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var index = Array.prototype.indexOf.call(
        document.querySelectorAll("main form[method=post], main form[method=POST]"), form);
      if (index !== -1) { keep({ form: form, index: index }, true); }  // not a data-jobbro-no-keep form
    }, true);
    setInterval(tick, 10000);
    tick();
  });
})();
