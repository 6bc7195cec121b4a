import { useQuery } from "@tanstack/react-query";
import { type KeyboardEvent, type TextareaHTMLAttributes, useRef, useState } from "react";
import { get } from "../../api/client";
import type { User } from "../../api/types";
import { insertMention, mentionOf, mentionQueryAt } from "../../lib/NotificationMentions";
import { useDebounced } from "../../lib/useDebounced";
import "./NotificationStyles.css";

const SUGGESTIONS = 8;
const DEBOUNCE_MS = 120;

/** Put `text` in the textarea as if typed (the browser's undo keeps it, and React's onChange sees it):
 * the range [from, to) is replaced, the caret left at `caret`. */
function typeInto(el: HTMLTextAreaElement, from: number, to: number, text: string, caret: number) {
  el.focus();
  el.setSelectionRange(from, to);
  let done = false;
  try {
    // Deprecated but the one way to keep the browser's undo history; absent in some engines.
    done = document.execCommand("insertText", false, text);
  } catch {
    done = false;
  }
  if (!done || el.value.slice(from, from + text.length) !== text) {
    const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value")?.set;
    setter?.call(el, el.value.slice(0, from) + text + el.value.slice(to));
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }
  el.setSelectionRange(caret, caret);
}

/** A textarea that completes `@` + letters with the people whose full name matches (`GET /v1/users
 * ?full_name=`), inserting `@[Full Name]`: the mention the server reads, which subscribes that person to
 * the story and tells them (if they may see it). Arrow keys choose, Enter or Tab inserts, Escape closes. */
export function NotificationMentionTextarea(props: TextareaHTMLAttributes<HTMLTextAreaElement> & { id: string; value: string }) {
  const { id, value, onKeyDown, onSelect, onBlur, onFocus, onChange, ...rest } = props;
  const ref = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number | null>(null);
  // The highlighted suggestion, for the query it was chosen in (a new query starts at the first).
  const [active, setActive] = useState({ query: "", index: 0 });
  // The query Escape closed the list on: typing on opens it again.
  const [closedOn, setClosedOn] = useState<string | null>(null);
  const at = caret === null ? null : mentionQueryAt(value, caret);
  const query = at?.query ?? "";
  const asked = useDebounced(query, DEBOUNCE_MS);
  const people = useQuery({
    queryKey: ["mention-people", asked],
    queryFn: () => get<User[]>("/users", { full_name: asked, limit: SUGGESTIONS, sort_field: "full_name" }),
    enabled: asked !== "",
    staleTime: 60_000,
  });
  const choices = asked !== "" && asked === query ? (people.data ?? []).filter((u) => mentionOf(u.full_name) !== null) : [];
  const open = at !== null && closedOn !== `${at.start}:${at.query}` && choices.length > 0;
  const current = active.query === query ? Math.min(active.index, Math.max(choices.length - 1, 0)) : 0;
  const listId = `${id}-mentions`;

  const readCaret = () => setCaret(ref.current === document.activeElement ? (ref.current?.selectionStart ?? null) : null);

  const choose = (person: User) => {
    const el = ref.current;
    if (!el || !at || caret === null) return;
    const done = insertMention(value, at, caret, person.full_name);
    if (!done) return;
    // The text after the caret stays: what goes in is the rest of the new text before it.
    typeInto(el, at.start, caret, done.text.slice(at.start, done.text.length - (value.length - caret)), done.caret);
    setCaret(done.caret);
  };

  const keyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (open) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const step = e.key === "ArrowDown" ? 1 : -1;
        setActive({ query, index: (current + step + choices.length) % choices.length });
        return;
      }
      if ((e.key === "Enter" || e.key === "Tab") && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        const person = choices[current];
        if (person) choose(person);
        return;
      }
      if (e.key === "Escape") {
        // Closes the list only (not the form or dialog around it).
        e.preventDefault();
        e.stopPropagation();
        if (at) setClosedOn(`${at.start}:${at.query}`);
        return;
      }
    }
    onKeyDown?.(e);
  };

  return (
    <div className="mention-box">
      <textarea
        {...rest}
        id={id}
        ref={ref}
        value={value}
        aria-autocomplete="list"
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? `${listId}-${current}` : undefined}
        onKeyDown={keyDown}
        onChange={(e) => {
          setCaret(e.target.selectionStart);
          onChange?.(e);
        }}
        onSelect={(e) => {
          readCaret();
          onSelect?.(e);
        }}
        onFocus={(e) => {
          readCaret();
          onFocus?.(e);
        }}
        onBlur={(e) => {
          setCaret(null);
          onBlur?.(e);
        }}
      />
      {open && (
        <ul className="mention-list" role="listbox" id={listId} aria-label="People to mention">
          {choices.map((u, i) => (
            <li
              key={u.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === current}
              // Chosen on mouse down: a click would take the focus (and the caret) from the textarea first.
              onMouseDown={(e) => {
                e.preventDefault();
                choose(u);
              }}
            >
              {u.full_name}
            </li>
          ))}
        </ul>
      )}
      <span className="visually-hidden" aria-live="polite">
        {open ? `${choices.length} ${choices.length === 1 ? "person matches" : "people match"}: arrow keys to choose, Enter to insert.` : ""}
      </span>
    </div>
  );
}
