import { useId, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { COLUMN_NAMES, columnsParam, moveColumn, pickerRows, sameColumns, toggleColumn } from "./columns";
import { readColumns, type ViewColumn } from "./savedViews";

/** A story list's columns in the URL (`columns=`; null: the default ones) and their setter: the column
 * picker's choice applies at once and stays with the page's address (flushSync: its controlled checkboxes
 * show their new state at once, not after a transition). */
export function useColumnsParam(): [ViewColumn[] | null, (columns: ViewColumn[] | null) => void] {
  const [params, setParams] = useSearchParams();
  const set = (value: ViewColumn[] | null) =>
    setParams(
      (p) => {
        const param = columnsParam(value);
        if (param === null) p.delete("columns");
        else p.set("columns", param);
        return p;
      },
      { replace: true, flushSync: true },
    );
  return [readColumns(params.get("columns")), set];
}

/** Choose the story list's columns: show or hide each (the title always shows) and move the shown ones up or
 * down; each change applies at once (`onChange`; null: the default columns). Folded under "Columns" until
 * opened; every control is a labelled checkbox or button, and the new order is announced. */
export function ColumnPicker({ columns, onChange }: { columns: ViewColumn[] | null; onChange: (columns: ViewColumn[] | null) => void }) {
  const id = useId();
  const [said, setSaid] = useState("");
  const rows = pickerRows(columns);
  const shown = rows.filter((r) => r.shown).length;
  const buttonId = (column: ViewColumn, by: -1 | 1) => `${id}-${column}-${by < 0 ? "up" : "down"}`;
  const move = (column: ViewColumn, by: -1 | 1) => {
    const next = moveColumn(columns, column, by);
    const at = next.indexOf(column);
    onChange(next);
    setSaid(`${COLUMN_NAMES[column]} is column ${at + 1} of ${next.length}.`);
    // The row moves: keep the focus on its button, or on the other one once it reaches an end.
    const target = at === 0 ? buttonId(column, 1) : at === next.length - 1 ? buttonId(column, -1) : buttonId(column, by);
    requestAnimationFrame(() => document.getElementById(target)?.focus());
  };
  return (
    <details className="column-picker">
      <summary>
        Columns <span className="muted">({shown} of {rows.length})</span>
      </summary>
      <fieldset>
        <legend className="visually-hidden">Columns of the list</legend>
        <ol className="column-list">
          {rows.map(({ column, shown: on }, index) => {
            const name = COLUMN_NAMES[column];
            return (
              <li key={column} className={on ? undefined : "hidden-column"}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={on}
                    disabled={column === "title"}
                    aria-describedby={column === "title" ? `${id}-title-hint` : undefined}
                    onChange={() => {
                      onChange(toggleColumn(columns, column));
                      setSaid(`${name} ${on ? "hidden" : "shown, last"}.`);
                    }}
                  />
                  {name}
                </label>
                {on && (
                  <span className="column-moves">
                    <button type="button" id={buttonId(column, -1)} aria-label={`Move ${name} up`} title="Move up" disabled={index === 0} onClick={() => move(column, -1)}>
                      ↑
                    </button>
                    <button
                      type="button"
                      id={buttonId(column, 1)}
                      aria-label={`Move ${name} down`}
                      title="Move down"
                      disabled={index === shown - 1}
                      onClick={() => move(column, 1)}
                    >
                      ↓
                    </button>
                  </span>
                )}
              </li>
            );
          })}
        </ol>
        <p id={`${id}-title-hint`} className="muted column-hint">
          The title always shows: it opens the story.
        </p>
        <button
          type="button"
          className="link"
          disabled={sameColumns(columns, null)}
          onClick={() => {
            onChange(null);
            setSaid("The default columns.");
          }}
        >
          Default columns
        </button>
        <div className="visually-hidden" aria-live="polite">
          {said}
        </div>
      </fieldset>
    </details>
  );
}
