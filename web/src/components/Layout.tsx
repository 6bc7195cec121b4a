import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate } from "react-router-dom";
import { useSelf, useToken } from "../api/queries";
import { setToken, startLogin } from "../lib/auth";
import { editFocused, moveFocus } from "../lib/listnav";
import { shortcutFor } from "../lib/shortcuts";
import { InboxCount, InboxLink } from "../features/notifications/InboxLink";
import { SearchBox } from "./SearchBox";
import { CommandPalette } from "./CommandPalette";
import { ShortcutsDialog } from "./ShortcutsDialog";

export function Layout() {
  const token = useToken();
  const self = useSelf();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const search = useRef<HTMLInputElement>(null);
  const [help, setHelp] = useState(false);
  const [palette, setPalette] = useState(false);
  // The phone layout folds the menu behind one button; any page change folds it again.
  const [menu, setMenu] = useState(false);
  const [menuAt, setMenuAt] = useState(location.key);
  if (menuAt !== location.key) {
    setMenuAt(location.key);
    setMenu(false);
  }

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const action = shortcutFor(event);
      if (!action || action === "escape") return;
      if (action === "palette") {
        // Ctrl/Cmd-K toggles the palette, over anything (the browser's own Ctrl-K is its search bar).
        event.preventDefault();
        setHelp(false);
        setPalette((p) => !p);
        return;
      }
      if (document.querySelector("dialog[open]")) return;
      switch (action) {
        case "help":
          setHelp(true);
          break;
        case "search":
          search.current?.focus();
          break;
        case "create":
          navigate("/stories/new");
          break;
        case "next":
        case "previous":
          if (!moveFocus(action)) return;
          break;
        case "edit":
          if (!editFocused()) return;
          break;
      }
      event.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [navigate]);

  const logout = () => {
    setToken(null);
    queryClient.clear();
    navigate("/");
  };
  const here = location.pathname + location.search;
  // The account menu (a <details>): closed after a choice, and by a click anywhere else.
  const account = useRef<HTMLDetailsElement>(null);
  const closeAccount = () => account.current?.removeAttribute("open");
  useEffect(() => {
    const onClick = (event: MouseEvent) => {
      if (account.current && !account.current.contains(event.target as Node)) closeAccount();
    };
    document.addEventListener("click", onClick);
    return () => document.removeEventListener("click", onClick);
  }, []);
  useEffect(closeAccount, [location.pathname]);

  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Storyline
        </Link>
        <SearchBox ref={search} />
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menu}
          aria-controls="main-nav"
          onClick={() => setMenu(!menu)}
        >
          Menu
          {token && <InboxCount />}
        </button>
        <nav aria-label="Main" id="main-nav" className={menu ? "open" : undefined}>
          <div className="nav-places">
            <NavLink to="/" end>
              Home
            </NavLink>
            <NavLink to="/projects">Projects</NavLink>
            <NavLink to="/project-groups">Groups</NavLink>
            <NavLink to="/stories" end>
              Stories
            </NavLink>
            <NavLink to="/planning">Planning</NavLink>
            <NavLink to="/teams">Teams</NavLink>
          </div>
          <div className="nav-actions">
            <NavLink to="/stories/new">New story</NavLink>
            <NavLink to="/stories/report">Report a bug</NavLink>
            {token ? (
              <>
                <InboxLink />
                {self.data?.is_superuser && <NavLink to="/admin">Admin</NavLink>}
                <details className="account-menu" ref={account}>
                  <summary>
                    <span className="who" aria-label="Logged in as">
                      {self.data?.full_name ?? (self.isError ? "Token refused" : "…")}
                    </span>
                  </summary>
                  <div className="account-items">
                    <NavLink to="/preferences">Preferences</NavLink>
                    <NavLink to="/account/tokens">Access tokens</NavLink>
                    <NavLink to="/webhooks">Webhooks</NavLink>
                    <button type="button" onClick={logout}>
                      Log out
                    </button>
                  </div>
                </details>
              </>
            ) : (
              <>
                <button type="button" onClick={() => void startLogin(here).then((url) => window.location.assign(url))}>
                  Log in
                </button>
                <NavLink to="/login">Use a token</NavLink>
              </>
            )}
            <button type="button" className="link" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
              ?
            </button>
          </div>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} />
      <CommandPalette
        open={palette}
        onClose={() => setPalette(false)}
        onAction={(a) => (a === "shortcuts" ? setHelp(true) : logout())}
      />
    </>
  );
}
