import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { errorFor, FieldError } from "../../components/FieldError";

/** Add a story or a task, by its number, to a list. */
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
  const add = useMutation({
    mutationFn: () => {
      const n = Number(number);
      if (!Number.isInteger(n) || n <= 0) return Promise.reject(new Error("Give the number of a story or task."));
      return onAdd(type, n);
    },
    onSuccess: () => {
      setNumber("");
      return onAdded();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
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
        Number to add to {label}
      </label>
      <input
        id={`${id}-n`}
        inputMode="numeric"
        placeholder="Number"
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
    </form>
  );
}
