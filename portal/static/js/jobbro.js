// Start the Det Fælles Designsystem components (accordions, menus, ...).
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    window.DKFDS.init();
  }
  wrapTables(document);
  focusFirstError(document);
});

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

// A wide table scrolls inside its own box (DKFDS .table--responsive-scroll), so the page
// itself never becomes wider than a phone's screen. The box is focusable and named, so a
// keyboard user can scroll it and a screen reader says what it holds.
function wrapTables(root) {
  var tables = root.querySelectorAll("table.table");
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
    box.setAttribute("aria-label", label || table.getAttribute("aria-label") || "Tabel");
    parent.insertBefore(box, table);
    box.appendChild(table);
  }
}
