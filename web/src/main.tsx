import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { storyboardRedirect } from "./lib/storyboard";
import "./styles.css";

// Old StoryBoard links (#!/story/123) land on our own URL before anything renders.
const old = storyboardRedirect(window.location.hash);
if (old) window.history.replaceState(null, "", old);

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
