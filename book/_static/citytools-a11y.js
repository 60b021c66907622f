// Keyboard access to scrolling tables (WCAG 2.1.1, axe rule scrollable-region-focusable).
// The explorer pages' DataTables wrap long tables and their search panes in scrolling
// <div>s that a keyboard cannot reach. Each such region is made focusable and named after
// its table's caption, so a keyboard user can tab to it and scroll it with the arrow keys.
// A notebook output or a DataTables container that is wider than a narrow screen scrolls
// sideways in its own box (citytools-explorer.css); such a box is made reachable too, but
// only while it does scroll, so a wide screen gets no extra tab stops.
(function () {
  "use strict";
  var SCROLLING = ".dt-scroll-body, .dataTables_scrollBody";
  var SCROLLING_WHEN_NARROW = "div.cell_output, div.output, .dt-container, div.citytools-table-scroll";

  function name(region) {
    var caption = region.querySelector("caption");
    var text = caption ? caption.textContent.trim() : "";
    return text || "Scrollable table";
  }

  function reachable(root) {
    root.querySelectorAll(SCROLLING).forEach(function (region) {
      if (region.hasAttribute("tabindex")) {
        return;
      }
      region.setAttribute("tabindex", "0");
      region.setAttribute("role", "region");
      region.setAttribute("aria-label", name(region));
    });
    root.querySelectorAll(SCROLLING_WHEN_NARROW).forEach(function (region) {
      if (region.hasAttribute("tabindex") || region.scrollWidth <= region.clientWidth + 1) {
        return;
      }
      region.setAttribute("tabindex", "0");
      region.setAttribute("role", "region");
      region.setAttribute("aria-label", name(region));
    });
  }

  function start() {
    reachable(document);
    // DataTables builds its regions after the page loads, and rebuilds them on redraw.
    new MutationObserver(function () {
      reachable(document);
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
