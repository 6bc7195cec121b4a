import { useEffect, useId, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router-dom";
import { useDebounced } from "../lib/useDebounced";
import { useSearch, useSelf } from "../api/queries";
import type { Project, Story } from "../api/types";
import { useViews, viewLink } from "../features/search/savedViews";
import { baseCommands, type Command, matchCommands, numberCommand, searchCommand } from "../lib/palette";

/** Ctrl/Cmd-K: one box to go anywhere (pages, saved views, a story by number, matching stories and
 * projects) or run a command; arrows choose, Enter runs, Esc closes. */
export function CommandPalette({ open, onClose, onAction }: { open: boolean; onClose: () => void; onAction: (a: "shortcuts" | "logout") => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const navigate = useNavigate();
  const self = useSelf();
  const saved = useViews();
  const listId = useId();
  const typed = useDebounced(text.trim(), 150);
  const words = typed.length >= 2 && !typed.includes(":") ? typed : "";
  const stories = useSearch<Story>("stories", words, 5);
  const projects = useSearch<Project>("projects", words, 5);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setText("");
      setActive(0);
      dialog.showModal();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);

  const items = useMemo(() => {
    const base = baseCommands(!!self.data, !!self.data?.is_superuser);
    const views: Command[] = saved.views.map((v) => ({
      id: `view-${v.id}`,
      label: v.name,
      group: "Saved view",
      keywords: v.query,
      target: { go: viewLink(v) },
    }));
    const found: Command[] = [
      ...(words ? (stories.data ?? []) : []).map((s) => ({ id: `s${s.id}`, label: `#${s.id} ${s.title}`, group: "Story", target: { go: `/story/${s.id}` } })),
      ...(words ? (projects.data ?? []) : []).map((p) => ({ id: `p${p.id}`, label: p.name, group: "Project", target: { go: `/project/${p.id}` } })),
    ];
    const number = numberCommand(text);
    const search = searchCommand(text);
    return [...(number ? [number] : []), ...matchCommands([...base, ...views], text), ...found, ...(search && !number ? [search] : [])];
  }, [self.data, saved.views, stories.data, projects.data, words, text]);
  const current = Math.min(active, Math.max(items.length - 1, 0));

  const run = (command: Command | undefined) => {
    if (!command) return;
    onClose();
    if ("go" in command.target) navigate(command.target.go);
    else onAction(command.target.action);
  };

  return (
    <dialog ref={ref} aria-label="Command palette" onClose={onClose} className="dialog palette">
      <label htmlFor="palette-input" className="visually-hidden">
        Go to or do
      </label>
      <input
        id="palette-input"
        role="combobox"
        aria-expanded="true"
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={items[current] ? `${listId}-${current}` : undefined}
        autoComplete="off"
        placeholder="Go to a page, #123, a story or project, a command…"
        value={text}
        autoFocus
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive(Math.min(current + 1, items.length - 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive(Math.max(current - 1, 0));
          } else if (e.key === "Enter") {
            e.preventDefault();
            run(items[current]);
          }
        }}
      />
      <ul id={listId} role="listbox" aria-label="Choices" className="palette-list">
        {items.map((c, i) => (
          <li
            key={c.id}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === current}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => run(c)}
            onMouseEnter={() => setActive(i)}
          >
            <span>{c.label}</span> <span className="muted palette-group">{c.group}</span>
          </li>
        ))}
        {items.length === 0 && (
          <li role="option" aria-selected={false} aria-disabled="true" className="muted">
            Nothing matches.
          </li>
        )}
      </ul>
      <p className="muted palette-help">
        ↑ ↓ to choose, Enter to go, Esc to close. Queries such as <code>is:open tag:ui</code> search stories.
      </p>
    </dialog>
  );
}
