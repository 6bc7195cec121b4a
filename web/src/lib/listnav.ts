import { moveIndex } from "./shortcuts";

// Lists mark their rows with data-nav-item; j/k move focus between them, e clicks the row's
// [data-nav-edit] control. Virtualized lists render a few rows beyond the screen, so the next
// row is always in the document and focusing it scrolls it into view.
export function moveFocus(action: "next" | "previous", root: ParentNode = document): boolean {
  const items = Array.from(root.querySelectorAll<HTMLElement>("[data-nav-item]"));
  if (items.length === 0) return false;
  const active = document.activeElement?.closest<HTMLElement>("[data-nav-item]") ?? null;
  const index = moveIndex(active ? items.indexOf(active) : -1, items.length, action);
  const target = items[index];
  if (!target) return false;
  target.focus();
  target.scrollIntoView({ block: "nearest" });
  return true;
}

export function editFocused(): boolean {
  const active = document.activeElement?.closest<HTMLElement>("[data-nav-item]");
  const control = active?.querySelector<HTMLElement>("[data-nav-edit]");
  if (!control) return false;
  control.click();
  return true;
}
