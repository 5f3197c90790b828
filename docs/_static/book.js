// Accessible names and roles the theme and docutils leave out (axe-core rules
// summary-name, label-content-name-mismatch, aria-required-children).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("summary").forEach((summary) => {
    const text = summary.textContent.trim();
    if (!text && !summary.hasAttribute("aria-label")) {
      // the sidebar's expand/collapse toggles
      const link = summary.closest("li")?.querySelector(":scope > a");
      const title = link ? link.textContent.trim() : "this entry";
      summary.setAttribute("aria-label", `Show or hide the sections of ${title}`);
    } else if (text && summary.hasAttribute("aria-label")) {
      // "Show code cell source": the visible text is the name
      summary.removeAttribute("aria-label");
    }
  });
  // the search button's label hid its visible text ("Search Ctrl+K")
  document.querySelectorAll(".search-button__button[aria-label]").forEach((button) => {
    button.removeAttribute("aria-label");
  });
  // bibliography entries in a role="list" need role="listitem"
  document.querySelectorAll('[role="list"] > [role="doc-biblioentry"]').forEach((entry) => {
    entry.setAttribute("role", "listitem");
  });
});
