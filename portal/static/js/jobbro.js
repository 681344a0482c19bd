// Start the Det Fælles Designsystem components (accordions, menus, ...).
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    window.DKFDS.init();
  }
  wrapTables(document);
});

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
