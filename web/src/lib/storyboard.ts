/** Our path for an old StoryBoard web client URL (`#!/story/123`, `#!/project/456`), or null. */
export function storyboardRedirect(hash: string): string | null {
  // Notification e-mails link to #!/preferences (StoryBoard's own page was #!/profile/preferences).
  if (/^#!\/(?:profile\/)?preferences(?:[/?]|$)/.test(hash)) return "/preferences#notifications";
  const m = /^#!\/(story|project|user|project_group)\/([^/?#]+)/.exec(hash);
  if (!m) return null;
  const [, kind, id] = m;
  if (kind === "story" && /^\d+$/.test(id ?? "")) return `/story/${id}`;
  if (kind === "project") return `/project/${id}`;
  if (kind === "user" && /^\d+$/.test(id ?? "")) return `/user/${id}`;
  return null;
}
