// Start the Det Fælles Designsystem components (accordions, menus, ...).
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    window.DKFDS.init();
  }
  wrapTables(document);
  focusFirstError(document);
  foldMenu(document);
});

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

// A refused form is shown again with each error at its field. When the first field with an
// error lies outside the screen (a form far down a long page), focus moves to it, so the
// error is seen (and read out: the field is described by its error) instead of the top of an
// unchanged-looking page. Nothing moves when the page was opened at an anchor.
function focusFirstError(root) {
  if (window.location.hash) {
    return;
  }
  var group = root.querySelector("main .form-group.form-error");
  if (!group) {
    return;
  }
  var input = group.matches("input, select, textarea") ? group : group.querySelector("input, select, textarea");
  var box = group.getBoundingClientRect();
  if (input && (box.top < 0 || box.bottom > window.innerHeight)) {
    input.focus();
  }
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
// itself never becomes wider than a phone's screen. The box is focusable and named (the
// caption, else the table's aria-label, else the heading before it; a repeated name gets a
// number), so a keyboard user can scroll it and a screen reader says what it holds.
function wrapTables(root) {
  var tables = root.querySelectorAll("table.table");
  var used = {};
  for (var i = 0; i < tables.length; i++) {
    var table = tables[i];
    var parent = table.parentElement;
    if (!parent || parent.classList.contains("table--responsive-scroll")) {
      continue;
    }
    var box = document.createElement("div");
    box.className = "table--responsive-scroll";
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    var caption = table.querySelector("caption");
    var label = caption ? caption.textContent.trim() : "";
    label = label || table.getAttribute("aria-label") || headingBefore(table) || "Tabel";
    used[label] = (used[label] || 0) + 1;
    box.setAttribute("aria-label", used[label] > 1 ? label + " (" + used[label] + ")" : label);
    parent.insertBefore(box, table);
    box.appendChild(table);
  }
}
