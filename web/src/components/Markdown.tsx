import { useEffect, useMemo, useState } from "react";

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
  if (!source) return null;
  if (html === null) {
    // Until the renderer is here: the text as it is (never as HTML).
    return <div className={`markdown pending ${className ?? ""}`}>{source}</div>;
  }
  return <div className={`markdown ${className ?? ""}`} dangerouslySetInnerHTML={{ __html: html }} />;
}
