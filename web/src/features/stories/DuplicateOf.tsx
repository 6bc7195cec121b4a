import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, get } from "../../api/client";
import type { Story } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";

function useMarkDuplicate(story: Story, onDone: () => void = () => undefined) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (duplicateOf: number | null) => api<Story>("PUT", `/stories/${story.id}`, undefined, { duplicate_of: duplicateOf }),
    onSuccess: (saved) => {
      queryClient.setQueryData(["story", story.id], saved);
      void queryClient.invalidateQueries({ queryKey: ["story-events", story.id] });
      onDone();
    },
  });
}

/** "Duplicate of #N <its title>" with a link, and (for editors) a way to clear the mark. */
export function DuplicateNote({ story, canEdit }: { story: Story; canEdit: boolean }) {
  const save = useMarkDuplicate(story);
  const original = useQuery({
    queryKey: ["story", story.duplicate_of],
    queryFn: () => get<Story>(`/stories/${story.duplicate_of}`),
    enabled: story.duplicate_of != null,
  });
  if (story.duplicate_of == null) return null;
  return (
    <p className="duplicate-of" role="note">
      Duplicate of <Link to={`/story/${story.duplicate_of}`}>#{story.duplicate_of}</Link>
      {original.data && <span className="muted"> {original.data.title}</span>}
      {canEdit && (
        <>
          {" "}
          <button type="button" className="link" disabled={save.isPending} onClick={() => save.mutate(null)}>
            Not a duplicate
          </button>
        </>
      )}
      <FieldError id="duplicate-clear-err" message={errorFor(save.error, "*")} />
    </p>
  );
}

/** "Mark as duplicate…": the number of the story this one duplicates (refusals shown next to the field). */
export function MarkDuplicate({ story }: { story: Story }) {
  const [marking, setMarking] = useState(false);
  const [target, setTarget] = useState("");
  const save = useMarkDuplicate(story, () => {
    setMarking(false);
    setTarget("");
  });
  if (story.duplicate_of != null) return null;
  if (!marking) {
    return (
      <button type="button" onClick={() => setMarking(true)}>
        Mark as duplicate…
      </button>
    );
  }
  const number = Number(target.replace(/^#/, ""));
  const valid = Number.isInteger(number) && number > 0;
  return (
    <form
      className="inline duplicate-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) save.mutate(number);
      }}
      onKeyDown={(e) => e.key === "Escape" && setMarking(false)}
    >
      <label htmlFor="duplicate-of">Duplicate of story #</label>
      <input
        id="duplicate-of"
        inputMode="numeric"
        className="short"
        value={target}
        autoFocus
        onChange={(e) => setTarget(e.target.value)}
        aria-invalid={!!errorFor(save.error, "duplicate_of")}
        aria-describedby="duplicate-of-err"
      />
      <button type="submit" disabled={save.isPending || !valid}>
        Mark duplicate
      </button>
      <button type="button" onClick={() => setMarking(false)}>
        Cancel
      </button>
      <FieldError id="duplicate-of-err" message={errorFor(save.error, "duplicate_of") ?? errorFor(save.error, "*", ["duplicate_of"])} />
    </form>
  );
}
