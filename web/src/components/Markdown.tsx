import { type MouseEvent, useEffect, useMemo, useState } from "react";
import { useNavigate } from "react-router-dom";

type Render = (source: string | null | undefined) => string;
let loaded: Render | null = null;
let loading: Promise<Render> | null = null;

/** markdown-it and DOMPurify load in their own chunk, off the first page's critical path. */
function loadRenderer(): Promise<Render> {
  loading ??= import("../lib/markdown").then((m) => {
    loaded = m.renderMarkdown;
    return loaded;
  });
  return loading;
}

export function Markdown({ source, className }: { source: string | null | undefined; className?: string }) {
  const [render, setRender] = useState<Render | null>(() => loaded);
  useEffect(() => {
    if (render) return;
    let live = true;
    void loadRenderer().then((fn) => live && setRender(() => fn));
    return () => {
      live = false;
    };
  }, [render]);
  const html = useMemo(() => (render ? render(source) : null), [render, source]);
  const navigate = useNavigate();
  // Links to our own pages (#N, @name, /story/…) stay in the app instead of reloading it.
  const follow = (e: MouseEvent<HTMLDivElement>) => {
    const link = (e.target as HTMLElement).closest("a");
    const href = link?.getAttribute("href") ?? "";
    if (!link || !href.startsWith("/") || href.startsWith("//") || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  if (!source) return null;
  if (html === null) {
    // Until the renderer is here: the text as it is (never as HTML).
    return <div className={`markdown pending ${className ?? ""}`}>{source}</div>;
  }
  // The click handler only routes clicks on the links inside; the links themselves stay keyboard-reachable.
  return <div className={`markdown ${className ?? ""}`} onClick={follow} dangerouslySetInnerHTML={{ __html: html }} />;
}
