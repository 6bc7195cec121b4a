// The command palette's choices (Ctrl/Cmd-K): fixed commands, saved views, and for what is typed a
// story or task by number, matching stories and projects, and "search for".
import { jumpTarget, parseQuery } from "./query";

export type Target = { go: string } | { action: "shortcuts" | "logout" };

export interface Command {
  id: string;
  label: string;
  /** A word shown after the label: "Page", "Story", "View"… */
  group: string;
  /** More words that find it ("new" finds "Create a story"). */
  keywords?: string;
  target: Target;
}

export function baseCommands(loggedIn: boolean, superuser: boolean): Command[] {
  const go = (id: string, label: string, to: string, keywords = ""): Command => ({ id, label, group: "Page", keywords, target: { go: to } });
  const list: Command[] = [
    go("home", "Home", "/", "dashboard start"),
    go("projects", "Projects", "/projects", "browse"),
    go("groups", "Project groups", "/project-groups", "browse"),
    go("stories", "Open stories", "/stories", "browse list"),
    go("planning", "Planning: boards and worklists", "/planning", "board worklist kanban"),
    go("teams", "Teams", "/teams", "people"),
    { id: "new", label: "Create a story", group: "Command", keywords: "new add story", target: { go: "/stories/new" } },
    { id: "report", label: "Report a bug", group: "Command", keywords: "new bug security vulnerability", target: { go: "/stories/report" } },
    { id: "shortcuts", label: "Keyboard shortcuts", group: "Command", keywords: "help keys ?", target: { action: "shortcuts" } },
  ];
  if (loggedIn) {
    list.push(
      go("mine", "My open stories (assigned to me)", `/stories?q=${encodeURIComponent("is:open assignee:@me")}`, "assigned tasks mine"),
      go("created", "Stories I created", `/stories?q=${encodeURIComponent("creator:@me")}`, "mine reported"),
      go("following", "Stories I follow", `/stories?q=${encodeURIComponent("is:open subscriber:@me")}`, "subscribed watching"),
      go("tokens", "Access tokens", "/account/tokens", "api token"),
      go("preferences", "Preferences", "/preferences", "settings"),
      { id: "logout", label: "Log out", group: "Command", keywords: "sign out", target: { action: "logout" } },
    );
    if (superuser) list.push(go("admin", "Administration", "/admin", "users projects groups"));
  } else {
    list.push(go("login", "Log in", "/login", "sign in token"));
  }
  return list;
}

/** The commands every typed word finds (in the label or keywords), those whose label starts with the
 * text first; all of them for no text. */
export function matchCommands(commands: Command[], text: string): Command[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return commands;
  const hits = commands.filter((c) => {
    const hay = `${c.label} ${c.keywords ?? ""} ${c.group}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  const lead = text.trim().toLowerCase();
  return [...hits.filter((c) => c.label.toLowerCase().startsWith(lead)), ...hits.filter((c) => !c.label.toLowerCase().startsWith(lead))];
}

/** `#12`, `12` → go to story 12; `T34` → task 34 (through the search page, which finds its story). */
export function numberCommand(text: string): Command | null {
  const target = jumpTarget(parseQuery(text.trim()));
  if (!target) return null;
  if ("story" in target) return { id: `story-${target.story}`, label: `Go to story #${target.story}`, group: "Story", target: { go: `/story/${target.story}` } };
  return { id: `task-${target.task}`, label: `Go to task T${target.task}`, group: "Task", target: { go: `/search?q=T${target.task}` } };
}

/** The last choice: the search page for the text, in the query language. */
export function searchCommand(text: string): Command | null {
  const q = text.trim();
  if (!q) return null;
  return { id: "search", label: `Search stories for “${q}”`, group: "Search", target: { go: `/search?q=${encodeURIComponent(q)}` } };
}
