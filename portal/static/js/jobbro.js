// Start the Det Fælles Designsystem components (accordions, menus, ...).
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    window.DKFDS.init();
  }
  countCharacters(document);
  wrapTables(document);
  summariseErrors(document);
  announceMessages(document);
  foldMenu(document);
  carryFields(document);
  guardSubmits(document);
  keepFormIds(document);
});

// A form is sent once: a double click on its button, or Enter pressed again while the next
// page loads, would post it twice and the server would do it twice (two openings, two hotline
// requests). After the first submit event of a POST form (the browser's own validation passed,
// and no other script cancelled it) a second submit is cancelled and the form's submit buttons
// are disabled. They are disabled a moment later (setTimeout 0), after the browser took the
// clicked button's name and value into what is sent ("venter=nej" on the hotline): a button
// disabled first would not be sent. The form is usable again when the page comes back from
// the back/forward cache (pageshow, persisted), and after GUARD_SECONDS if the page is still
// there (the user stopped the loading, or the answer was a download). The forms that create
// something also carry a one-time id the server checks (portal/once.py), for what gets past this.
// A form that must be sendable again at once opts out with data-jobbro-no-guard.
var GUARD_SECONDS = 10;
var SUBMIT_BUTTONS = 'button:not([type]), button[type="submit"], input[type="submit"], input[type="image"]';

function guardSubmits(root) {
  root.addEventListener("submit", function (event) {
    var form = event.target;
    var method = event.submitter && event.submitter.hasAttribute("formmethod") ? event.submitter.formMethod : form.method;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || method !== "post" ||
        form.hasAttribute("data-jobbro-no-guard")) {
      return;
    }
    var target = (event.submitter && event.submitter.getAttribute("formtarget")) || form.getAttribute("target");
    if (target && target !== "_self") {
      return;  // answered in another window: this page stays as it is
    }
    if (form.dataset.jobbroSent) {
      event.preventDefault();
      return;
    }
    form.dataset.jobbroSent = "1";
    window.setTimeout(function () {
      if (event.defaultPrevented) {  // another script stopped this submission: nothing was sent
        delete form.dataset.jobbroSent;
        return;
      }
      lockForm(form, true);
      form.jobbroUnlock = window.setTimeout(function () { lockForm(form, false); }, GUARD_SECONDS * 1000);
    }, 0);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      root.querySelectorAll("form[data-jobbro-sent]").forEach(function (form) { lockForm(form, false); });
    }
  });
}

// A form that creates something carries a one-time id (hidden input form_id, portal/once.py):
// the server creates nothing for an id it has seen, and goes to what the first one created.
// Pages are no-store, so Back to a sent form loads it anew: the server gives a new id, and the
// browser puts back what was typed. The id sent is therefore kept in the page's history entry
// (history.state, which Back and Forward restore) and put back into the form when the page is
// shown again from history; a form opened anew (a new history entry) keeps the server's id.
function keepFormIds(root) {
  var kept = (window.history.state && window.history.state.jobbroFormIds) || {};
  root.querySelectorAll('form input[type="hidden"][name="form_id"]').forEach(function (input) {
    if (input.form && kept[formKey(input.form)]) {
      input.value = kept[formKey(input.form)];
    }
  });
  root.addEventListener("submit", function (event) {
    var form = event.target;
    var input = form.querySelector && form.querySelector('input[type="hidden"][name="form_id"]');
    if (!input) {
      return;
    }
    var state = Object.assign({}, window.history.state);
    state.jobbroFormIds = Object.assign({}, state.jobbroFormIds);
    state.jobbroFormIds[formKey(form)] = input.value;
    try { window.history.replaceState(state, ""); } catch (e) { /* the server's check is all */ }
  });
}

// Where ``form`` posts to (its path): its action attribute, or this page. (form.action would be
// an input named "action", if the form had one.)
function formKey(form) {
  return new URL(form.getAttribute("action") || "", document.baseURI).pathname;
}

// Disable (lock) or enable again the submit buttons of ``form`` (also those outside it that
// name it in form=""); only buttons this script disabled are enabled again.
function lockForm(form, lock) {
  var buttons = Array.prototype.slice.call(form.querySelectorAll(SUBMIT_BUTTONS));
  if (form.id) {
    buttons = buttons.concat(Array.prototype.slice.call(
      document.querySelectorAll('[form="' + CSS.escape(form.id) + '"]')).filter(function (el) {
      return el.matches(SUBMIT_BUTTONS);
    }));
  }
  buttons.forEach(function (button) {
    if (lock && !button.disabled) {
      button.disabled = true;
      button.dataset.jobbroLocked = "1";
    } else if (!lock && button.dataset.jobbroLocked) {
      button.disabled = false;
      delete button.dataset.jobbroLocked;
    }
  });
  if (lock) {
    form.setAttribute("aria-busy", "true");
  } else {
    window.clearTimeout(form.jobbroUnlock);
    form.removeAttribute("aria-busy");
    delete form.dataset.jobbroSent;
  }
}

// A form that must not lose what was typed in another form of the page (the CV page: text typed,
// then a file tried instead) names that field in data-carry; on submit its value travels in a
// hidden input of the same name, and a refused form comes back with it. A body too large for the
// server is refused unread (413), so the value is also kept in this tab, and put back when the
// form comes back with an error and the field empty; any other visit drops it.
function carryFields(root) {
  var tab = null;
  try { tab = window.sessionStorage; } catch (e) { /* storage refused: the hidden input is all */ }
  var forms = root.querySelectorAll("form[data-carry]");
  if (tab && !forms.length) {  // another page: nothing typed stays in the tab
    for (var i = tab.length - 1; i >= 0; i--) {
      if ((tab.key(i) || "").indexOf("jobbro-carry:") === 0) { tab.removeItem(tab.key(i)); }
    }
  }
  forms.forEach(function (form) {
    var source = root.getElementById(form.dataset.carry);
    var key = "jobbro-carry:" + form.getAttribute("action");
    if (tab && source) {
      var kept = tab.getItem(key);
      tab.removeItem(key);
      if (kept && !source.value && form.querySelector(".form-error")) {
        source.value = kept;
      }
    }
    form.addEventListener("submit", function () {
      var target = form.querySelector('input[type="hidden"][name="' + form.dataset.carryName + '"]');
      if (source && target) {
        target.value = source.value;
      }
      if (tab && source && source.value) {
        try { tab.setItem(key, source.value); } catch (e) { /* full: the hidden input is all */ }
      }
    });
  });
}

// On a narrow screen the main menu (up to 15 items for an administrator) would push the page
// below the fold: it folds behind a "Menu" button (shown by CSS only at phone widths), which
// says whether it is open (aria-expanded). Escape closes it and returns focus to the button.
function foldMenu(root) {
  var button = root.querySelector(".jobbro-nav-toggle");
  var nav = button && button.closest(".jobbro-nav");
  if (!nav) {
    return;
  }
  var list = root.getElementById(button.getAttribute("aria-controls"));
  nav.classList.add("jobbro-nav-foldable");
  button.hidden = false;
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    list.classList.toggle("jobbro-nav-open", open);
  }
  button.addEventListener("click", function () {
    set(button.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      set(false);
      button.focus();
    }
  });
}

// A refused form is shown again with each error at its field. An error summary (the DKFDS
// "fejlopsummering") is put at the top of that form: one link per error, named by the field's
// label, that moves focus to the field. Focus moves to the summary, so a screen reader reads
// what is wrong and the form is on the screen even far down a long page; the page title starts
// with "Fejl:" (WCAG 3.3.1, 2.4.2). A summary the server wrote (.alert-error just before or at
// the top of the form) gets the links added instead of a second box.
// A field's name as the summary says it: its label without the "(valgfri)" mark, which would
// read oddly next to an error in that very field.
function labelText(label) {
  var copy = label.cloneNode(true);
  var marks = copy.querySelectorAll(".jobbro-optional");
  for (var i = 0; i < marks.length; i++) {
    marks[i].parentNode.removeChild(marks[i]);
  }
  return copy.textContent.replace(/\s+/g, " ").trim();
}

function summariseErrors(root) {
  var groups = root.querySelectorAll("main .form-group.form-error");
  if (!groups.length) {
    return;
  }
  var form = groups[0].closest("form");
  var items = [];
  for (var i = 0; i < groups.length; i++) {
    var group = groups[i];
    if (group.closest("form") !== form) {
      continue;  // only the refused form's errors (one form is sent at a time)
    }
    var target = group.matches("fieldset") ? group.querySelector("input, select, textarea")
      : group.querySelector("input, select, textarea");
    var label = group.querySelector("legend, label");
    var name = label ? labelText(label) : "";
    var messages = group.querySelectorAll(".form-error-message");
    for (var m = 0; m < messages.length; m++) {
      var text = messages[m].textContent.replace(/\s+/g, " ").replace(/^Fejl:\s*/, "").trim();
      items.push({target: target, text: name ? name + ": " + text : text});
    }
  }
  if (!items.length) {
    return;
  }
  var list = document.createElement("ul");
  list.className = "alert-text nobullet-list jobbro-error-list";
  items.forEach(function (item) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.textContent = item.text;
    if (item.target && item.target.id) {
      link.href = "#" + item.target.id;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        item.target.focus();
      });
    }
    li.appendChild(link);
    list.appendChild(li);
  });
  var summary = serverSummary(form);
  if (!summary) {
    summary = document.createElement("div");
    summary.className = "alert alert-error";
    summary.setAttribute("role", "alert");
    var body = document.createElement("div");
    body.className = "alert-body";
    var heading = document.createElement("p");
    heading.className = "alert-heading";
    heading.textContent = items.length === 1 ? "Der er en fejl i formularen" : "Der er " + items.length + " fejl i formularen";
    body.appendChild(heading);
    summary.appendChild(body);
    form ? form.insertBefore(summary, form.firstChild) : groups[0].parentElement.insertBefore(summary, groups[0]);
  }
  summary.classList.add("jobbro-error-summary");
  summary.querySelector(".alert-body").appendChild(list);
  summary.setAttribute("tabindex", "-1");
  if (document.title.indexOf("Fejl: ") !== 0) {
    document.title = "Fejl: " + document.title;
  }
  focusKept(summary);
}

// Focus ``element`` now, and again once the page has loaded when the URL has an anchor: the
// browser's jump to the anchor comes after this script and takes the focus away (to the body).
function focusKept(element) {
  element.focus();
  if (!window.location.hash) {
    return;
  }
  window.addEventListener("load", function () {
    window.setTimeout(function () {
      if (!document.activeElement || document.activeElement === document.body) {
        element.focus();
      }
    }, 0);
  });
}

// A page that comes back with a message about the step just taken: a refusal of a form as a
// whole (form_errors: a wrong log-in, a save that met another's) or the flashed messages ("Jeres
// svar er gemt."). A role=alert/status box already in the page when it loads is not reliably
// read out, so focus moves to it (tabindex -1): a screen reader reads it and it is on the
// screen. A refusal also starts the title with "Fejl:", as field errors do (summariseErrors,
// which goes first: a form with field errors has its summary focused instead). A page opened at
// an anchor (an answer saved goes back to its candidate's card, far down the page) gets the
// messages there, after the card's heading, not at the top out of sight. Nothing moves when
// something else already has the focus (review AT 5, 6). A page that shows what the step did in
// its own place (an import's report) marks where to start reading with data-jobbro-outcome,
// focused like a success message when nothing above applies (review BM 2a).
function announceMessages(root) {
  if (document.activeElement && document.activeElement !== document.body) {
    return;
  }
  var refusal = root.querySelector("main [data-jobbro-form-error]");
  var flashes = root.querySelector("main [data-jobbro-flashes]");
  var target = refusal || flashes || root.querySelector("main [data-jobbro-outcome]");
  if (!target) {
    return;
  }
  if (target === flashes) {
    moveToAnchor(flashes);
  }
  if (refusal || (target === flashes && flashes.querySelector('[data-jobbro-flash="error"]'))) {
    if (document.title.indexOf("Fejl: ") !== 0) {
      document.title = "Fejl: " + document.title;
    }
  }
  target.setAttribute("tabindex", "-1");
  focusKept(target);
}

// The messages into the element the URL's anchor names: after a heading, or inside a card or
// section after its own heading. A field, a link or a form as the target keeps them at the top.
function moveToAnchor(box) {
  var id = "";
  try {
    id = decodeURIComponent(window.location.hash.slice(1));
  } catch (e) {
    return;
  }
  var target = id ? document.getElementById(id) : null;
  if (!target || !target.closest("main") || target.contains(box)) {
    return;
  }
  if (target.matches("h1, h2, h3, h4, h5, h6")) {
    target.parentNode.insertBefore(box, target.nextSibling);
    return;
  }
  if (!target.matches("li, section, article, div, details, fieldset")) {
    return;
  }
  var container = target.querySelector(".card-content") || target;
  var heading = null;
  for (var child = container.firstElementChild; child; child = child.nextElementSibling) {
    if (child.matches("h2, h3, h4, summary")) {
      heading = child;
      break;
    }
  }
  container.insertBefore(box, heading ? heading.nextSibling : container.firstChild);
}

// The server's own box about the refused form: an error alert at the top of the form or just
// before it (e.g. "Opslaget er ikke gemt. Ret felterne markeret med fejl.").
function serverSummary(form) {
  if (!form) {
    return null;
  }
  var inside = form.querySelector(".alert-error");
  if (inside && inside.querySelector(".alert-body") && !inside.closest(".form-group")) {
    return inside;
  }
  for (var prev = form.previousElementSibling; prev; prev = prev.previousElementSibling) {
    if (prev.matches(".alert-error") && prev.querySelector(".alert-body")) {
      return prev;
    }
    if (!prev.matches("input, .alert, p")) {
      break;
    }
  }
  return null;
}

// The nearest heading before ``table`` (its own section's), for a table without a caption or
// aria-label: "Tabel" on every region tells a screen-reader user nothing (axe landmark-unique).
// A heading inside an earlier self-contained block (a section, a card, a form) is that block's.
var OWN_BLOCKS = "section, article, aside, nav, form, details, table, .card, [role=region]";
function headingBefore(table) {
  for (var node = table; node && node !== document.body; node = node.parentElement) {
    for (var prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
      var found = prev.matches("h1, h2, h3, h4") ? prev : null;
      var inside = found || prev.matches(OWN_BLOCKS) ? [] : prev.querySelectorAll("h1, h2, h3, h4");
      found = found || inside[inside.length - 1];
      if (found && found.textContent.trim()) {
        return found.textContent.replace(/\s+/g, " ").trim();
      }
    }
  }
  return "";
}

// A wide table scrolls inside its own box (DKFDS .table--responsive-scroll), so the page
// itself never becomes wider than a phone's screen. A box whose table does scroll is focusable
// and named (the caption, else the table's aria-label, else the heading before it; a repeated
// name gets a number), so a keyboard user can scroll it and a screen reader says what it holds;
// a table that fits is left alone (no extra Tab stop or landmark). Checked again on resize.
function wrapTables(root) {
  var tables = root.querySelectorAll("table.table");
  var used = {};
  var boxes = [];
  for (var i = 0; i < tables.length; i++) {
    var table = tables[i];
    var parent = table.parentElement;
    if (!parent || parent.classList.contains("table--responsive-scroll")) {
      continue;
    }
    var box = document.createElement("div");
    box.className = "table--responsive-scroll";
    var caption = table.querySelector("caption");
    var label = caption ? caption.textContent.trim() : "";
    label = label || table.getAttribute("aria-label") || headingBefore(table) || "Tabel";
    used[label] = (used[label] || 0) + 1;
    box.dataset.regionLabel = used[label] > 1 ? label + " (" + used[label] + ")" : label;
    parent.insertBefore(box, table);
    box.appendChild(table);
    boxes.push(box);
  }
  function mark() {
    boxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", box.dataset.regionLabel);
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  mark();
  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(mark, 150);
  });
}

// A text area's (or a text input's, such as the answer's note) character limit, in DKFDS's look (its .form-limit styles, added here so that
// DKFDS.init, which ran first, does not start its own counter on it). Counted here rather than
// by DKFDS, whose message puts the bare number in ("1000"): the page writes numbers with a
// thousands separator ("1.000"), and its texts (data-left, data-over: "{n}" for the number)
// say »I« to a company. The screen reader hears the count half a second after typing stops.
function countCharacters(root) {
  root.querySelectorAll(".jobbro-limit[data-maxlength]").forEach(function (group) {
    var input = group.querySelector("textarea, input");
    var shown = group.querySelector(".character-limit");
    var spoken = group.querySelector(".character-limit-sr-only");
    var max = parseInt(group.getAttribute("data-maxlength"), 10);
    if (!input || !shown || !spoken || !(max > 0)) {
      return;
    }
    group.classList.add("form-limit");
    var timer = null;
    function update(speak) {
      var left = max - input.value.length;
      var n = String(Math.abs(left)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
      var text = group.getAttribute(left < 0 ? "data-over" : "data-left").replace("{n}", n);
      shown.textContent = text;
      shown.classList.toggle("limit-exceeded", left < 0);
      input.classList.toggle("form-limit-error", left < 0);
      if (speak) {
        spoken.textContent = text;
      }
    }
    input.addEventListener("input", function () {
      update(false);
      clearTimeout(timer);
      timer = setTimeout(function () { update(true); }, 500);
    });
    window.addEventListener("pageshow", function () { update(false); });
    update(false);
  });
}
