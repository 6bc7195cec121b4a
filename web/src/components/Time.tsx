export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return null;
  const d = new Date(value);
  return (
    <time dateTime={value} title={d.toLocaleString()}>
      {d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })}
    </time>
  );
}
