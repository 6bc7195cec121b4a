import { ApiError } from "../api/client";

/** The API's message for `field` (or for the whole form when `field` is "*" and no field matched). */
export function errorFor(error: unknown, field: string, fields: string[] = []): string | null {
  if (!error) return null;
  if (error instanceof ApiError) {
    if (error.field === field) return error.message;
    if (field === "*" && (!error.field || !fields.includes(error.field))) return error.message;
    return null;
  }
  if (field === "*") return error instanceof Error ? error.message : String(error);
  return null;
}

export function FieldError({ id, message }: { id: string; message: string | null }) {
  if (!message) return null;
  return (
    <p id={id} className="field-error" role="alert">
      {message}
    </p>
  );
}

/** A labelled text input with the API's error for it below (`${id}-err`), wired for screen readers. */
export function TextField({
  id,
  label,
  value,
  onChange,
  error,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error: string | null;
}) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={!!error}
        aria-describedby={error ? `${id}-err` : undefined}
      />
      <FieldError id={`${id}-err`} message={error} />
    </>
  );
}
