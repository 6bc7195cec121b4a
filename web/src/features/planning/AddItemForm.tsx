import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { useSearch } from "../../api/queries";
import { errorFor, FieldError } from "../../components/FieldError";

/** Add a story or a task to a list: by its number, or by picking it among those matching words typed. */
export function AddItemForm({
  label,
  onAdd,
  onAdded,
}: {
  label: string;
  onAdd: (type: "story" | "task", id: number) => Promise<unknown>;
  onAdded: () => unknown;
}) {
  const id = useId();
  const [type, setType] = useState<"story" | "task">("story");
  const [number, setNumber] = useState("");
  const words = /^\s*\d*\s*$/.test(number) ? "" : number.trim();
  const found = useSearch<{ id: number; title: string }>(type === "story" ? "stories" : "tasks", words, 6);
  const add = useMutation({
    mutationFn: (picked?: number) => {
      const n = picked ?? Number(number);
      if (!Number.isInteger(n) || n <= 0) {
        return Promise.reject(new Error("Give the number of a story or task, or pick one of those found."));
      }
      return onAdd(type, n);
    },
    onSuccess: () => {
      setNumber("");
      return onAdded();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate(undefined);
  };
  const error = errorFor(add.error, "*");
  return (
    <form className="inline add-item" onSubmit={submit} aria-label={`Add to ${label}`}>
      <label className="visually-hidden" htmlFor={`${id}-type`}>
        Kind of item to add to {label}
      </label>
      <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as "story" | "task")}>
        <option value="story">Story</option>
        <option value="task">Task</option>
      </select>
      <label className="visually-hidden" htmlFor={`${id}-n`}>
        Number to add to {label}, or words to find it
      </label>
      <input
        id={`${id}-n`}
        inputMode="numeric"
        placeholder="Number or words"
        value={number}
        onChange={(e) => setNumber(e.target.value)}
        aria-invalid={!!error}
        aria-describedby={error ? `${id}-err` : undefined}
        size={8}
      />
      <button type="submit" disabled={add.isPending}>
        Add
      </button>
      <FieldError id={`${id}-err`} message={error} />
      {words && found.data && (
        <ul className="options" aria-label={`Found for ${label}`}>
          {found.data.map((hit) => (
            <li key={hit.id}>
              <button type="button" onClick={() => add.mutate(hit.id)} disabled={add.isPending}>
                Add {hit.title}
              </button>
            </li>
          ))}
          {found.data.length === 0 && <li className="muted">Nothing matches.</li>}
        </ul>
      )}
    </form>
  );
}
