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
