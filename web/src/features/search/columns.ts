// The columns of a story list (a saved view's `columns`, the `columns=` parameter of the Stories page): which
// are shown, in which order, and how the column picker changes them (docs/search.md, "Saved views").
import { DEFAULT_COLUMNS, VIEW_COLUMNS, type ViewColumn } from "./savedViews";

/** A column's name in the picker (the table's heading is shorter: "#", "Tasks"). */
export const COLUMN_NAMES: Record<ViewColumn, string> = {
  id: "Number",
  title: "Title",
  status: "Status",
  progress: "Task progress",
  assignees: "Assignees",
  tags: "Tags",
  updated: "Updated",
  created: "Created",
  project: "Projects",
  creator: "Creator",
};

/** A column's heading in the story table: its name, shorter where it can be. */
export const COLUMN_HEADINGS: Record<ViewColumn, string> = { ...COLUMN_NAMES, id: "#", progress: "Tasks" };

/** The columns shown: those given (a saved view's), the title always (a row's link), else the default ones. */
export function shownColumns(columns: readonly ViewColumn[] | null | undefined): ViewColumn[] {
  if (!columns || columns.length === 0) return [...DEFAULT_COLUMNS];
  if (columns.includes("title")) return [...columns];
  const at = columns[0] === "id" ? 1 : 0;
  return [...columns.slice(0, at), "title", ...columns.slice(at)];
}

/** The picker's rows: the shown columns in their order, then the hidden ones in the usual order. */
export function pickerRows(columns: readonly ViewColumn[] | null | undefined): { column: ViewColumn; shown: boolean }[] {
  const shown = shownColumns(columns);
  return [
    ...shown.map((column) => ({ column, shown: true })),
    ...VIEW_COLUMNS.filter((c) => !shown.includes(c)).map((column) => ({ column, shown: false })),
  ];
}

/** Show a hidden column (at the end) or hide a shown one; the title stays. */
export function toggleColumn(columns: readonly ViewColumn[] | null | undefined, column: ViewColumn): ViewColumn[] {
  const shown = shownColumns(columns);
  if (column === "title") return shown;
  return shown.includes(column) ? shown.filter((c) => c !== column) : [...shown, column];
}

/** Move a shown column one place up (-1) or down (+1); nothing moves past either end. */
export function moveColumn(columns: readonly ViewColumn[] | null | undefined, column: ViewColumn, by: -1 | 1): ViewColumn[] {
  const shown = shownColumns(columns);
  const from = shown.indexOf(column);
  const to = from + by;
  if (from < 0 || to < 0 || to >= shown.length) return shown;
  const next = [...shown];
  [next[from], next[to]] = [next[to] as ViewColumn, column];
  return next;
}

/** Whether two column choices show the same list (null or empty: the default columns). */
export function sameColumns(a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean {
  const x = shownColumns(a as ViewColumn[] | null | undefined);
  const y = shownColumns(b as ViewColumn[] | null | undefined);
  return x.length === y.length && x.every((c, i) => c === y[i]);
}

/** The value of the `columns=` parameter for a choice: null (no parameter) for the default columns. */
export function columnsParam(columns: readonly ViewColumn[] | null | undefined): string | null {
  return sameColumns(columns, null) ? null : shownColumns(columns).join(",");
}
