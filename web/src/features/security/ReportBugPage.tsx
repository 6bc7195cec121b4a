import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, ApiError } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Project, Story, StoryIn, Task } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { ProjectPicker } from "../../components/Pickers";
import { reportDescription } from "./security";

/**
 * Report a bug, symptom first. A security issue is created the way docs/security.md says a report
 * is made (`security: true`): the server makes it private to the reporter and the vulnerability
 * management team, with an embargo.
 */
export function ReportBugPage() {
  const self = useSelf();
  const [title, setTitle] = useState("");
  const [happened, setHappened] = useState("");
  const [steps, setSteps] = useState("");
  const [expected, setExpected] = useState("");
  const [projects, setProjects] = useState<Project[]>([]);
  const [security, setSecurity] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [storyId, setStoryId] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  useEffect(() => {
    document.title = "Report a bug · Storyline";
  }, []);

  if (self.isSuccess && !self.data) {
    return (
      <section className="narrow">
        <h1>Report a bug</h1>
        <p>Log in to report a bug.</p>
      </section>
    );
  }

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (projects.length === 0) {
      setError(new ApiError(400, "Choose the project where you saw the problem.", "project_id"));
      return;
    }
    setBusy(true);
    setError(null);
    let id = storyId;
    try {
      if (id === null) {
        const body: Pick<StoryIn, "title" | "description" | "is_bug" | "security"> = { title, description: reportDescription({ happened, steps, expected }) || null, is_bug: true };
        if (security) body.security = true;
        const story = await api<Story>("POST", "/stories", undefined, body);
        id = story.id;
        setStoryId(id);
      }
      // One task per affected project; those already made on an earlier try are off the list.
      let left = projects;
      try {
        for (const project of projects) {
          await api<Task>("POST", "/tasks", undefined, { title, story_id: id, project_id: project.id });
          left = left.filter((p) => p.id !== project.id);
        }
      } finally {
        setProjects(left);
      }
    } catch (err) {
      setError(err);
      setBusy(false);
      return;
    }
    setBusy(false);
    void queryClient.invalidateQueries();
    navigate(`/story/${id}`);
  };

  const fields = ["title", "description", "project_id", "security"];
  const created = storyId !== null;
  return (
    <section className="narrow report-bug">
      <h1>Report a bug</h1>
      <p className="muted">
        Describe what you saw first; the people working on the project will work out the cause. Looking for the full form?{" "}
        <Link to="/stories/new">Create a story</Link>.
      </p>
      {created && (
        <p role="status">
          Your report was saved as story #{storyId}; fix the project below and send again, or{" "}
          <Link to={`/story/${storyId}`}>open the story</Link>.
        </p>
      )}
      <form onSubmit={submit}>
        <label htmlFor="bug-title">Title</label>
        <input
          id="bug-title"
          value={title}
          placeholder="In a few words, what goes wrong"
          onChange={(e) => setTitle(e.target.value)}
          disabled={created}
          aria-invalid={!!errorFor(error, "title")}
          aria-describedby="bug-title-err"
        />
        <FieldError id="bug-title-err" message={errorFor(error, "title")} />
        <label htmlFor="bug-happened">What happened</label>
        <textarea
          id="bug-happened"
          rows={5}
          value={happened}
          onChange={(e) => setHappened(e.target.value)}
          disabled={created}
          aria-describedby="bug-description-err"
        />
        <label htmlFor="bug-steps">Steps to reproduce</label>
        <textarea id="bug-steps" rows={4} value={steps} placeholder={"1. …\n2. …"} onChange={(e) => setSteps(e.target.value)} disabled={created} />
        <label htmlFor="bug-expected">What you expected instead</label>
        <textarea id="bug-expected" rows={3} value={expected} onChange={(e) => setExpected(e.target.value)} disabled={created} />
        <FieldError id="bug-description-err" message={errorFor(error, "description")} />
        <ProjectPicker label="Affected project" value={projects} onChange={setProjects} error={errorFor(error, "project_id")} />
        <div className="security-choice">
          <label className="check" htmlFor="bug-security">
            <input
              id="bug-security"
              type="checkbox"
              checked={security}
              onChange={(e) => setSecurity(e.target.checked)}
              disabled={created}
              aria-describedby="bug-security-help"
            />{" "}
            This is a security issue
          </label>
          <div id="bug-security-help" className="muted">
            <p>
              The report becomes <strong>private</strong>, under embargo, until it is disclosed. Tick this for anything an
              attacker could use, and do not mention it in public stories or comments.
            </p>
            <p className="who-sees">
              <strong>Who will see it:</strong> you, and the people this server trusts with security reports: its
              vulnerability management team, or, on a server where none is set up, its administrators. The security team
              of an affected project is added once a responder confirms that project (on a server without a vulnerability
              management team, as soon as you name it). Nobody else, until the
              report is disclosed; the story page then lists everyone who has access.
            </p>
          </div>
          <FieldError id="bug-security-err" message={errorFor(error, "security")} />
        </div>
        <FieldError id="bug-err" message={errorFor(error, "*", fields)} />
        <button type="submit" disabled={busy}>
          {created ? "Add the affected project" : security ? "Report the security issue" : "Report the bug"}
        </button>
      </form>
    </section>
  );
}
