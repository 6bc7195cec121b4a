export type ShortcutAction = "help" | "search" | "create" | "next" | "previous" | "edit" | "escape" | "palette";

export const SHORTCUTS: { keys: string; action: ShortcutAction | "select"; label: string }[] = [
  { keys: "Ctrl K", action: "palette", label: "Open the command palette: go anywhere, run a command (⌘ K on a Mac)" },
  { keys: "?", action: "help", label: "Show this list of shortcuts" },
  { keys: "/", action: "search", label: "Focus the search box" },
  { keys: "c", action: "create", label: "Create a story" },
  { keys: "j", action: "next", label: "Move to the next item of a list" },
  { keys: "k", action: "previous", label: "Move to the previous item of a list" },
  { keys: "e", action: "edit", label: "Edit the focused item" },
  { keys: "x", action: "select", label: "Select the focused story of a list (Shift x: a range), for a bulk change" },
  { keys: "Esc", action: "escape", label: "Close a dialog or cancel an edit" },
];

interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: EventTarget | null;
}

function isTyping(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== "string") return false;
  const el = target as HTMLElement;
  const tag = el.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
}

/** The action a key press asks for, or null: letters typed into a field are never shortcuts. */
export function shortcutFor(event: KeyLike): ShortcutAction | null {
  // Ctrl-K (Cmd-K on a Mac) works everywhere, in a field too.
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") return "palette";
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (event.key === "Escape") return "escape";
  if (isTyping(event.target)) return null;
  switch (event.key) {
    case "?":
      return "help";
    case "/":
      return "search";
    case "c":
      return "create";
    case "j":
      return "next";
    case "k":
      return "previous";
    case "e":
      return "edit";
    default:
      return null;
  }
}

/** Index of the item to focus after j/k, from the focused one (-1 when none is focused). */
export function moveIndex(current: number, count: number, action: "next" | "previous"): number {
  if (count === 0) return -1;
  if (current < 0) return action === "next" ? 0 : count - 1;
  return action === "next" ? Math.min(current + 1, count - 1) : Math.max(current - 1, 0);
}
