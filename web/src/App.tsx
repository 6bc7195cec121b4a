import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { createBrowserRouter, RouterProvider } from "react-router-dom";
import { ApiError } from "./api/client";
import { Layout } from "./components/Layout";
import { HomePage } from "./features/home/HomePage";
import { ProjectPage } from "./features/projects/ProjectPage";
import { StoryPage } from "./features/stories/StoryPage";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A 4xx will not change by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
    },
  },
});

function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
    </section>
  );
}

// The pages people land on most (home, story, project) are in the main bundle; every other page is
// its own chunk, fetched when first visited, so the story page's script stays small.
const routes = [
  {
    element: <Layout />,
    children: [
      { path: "/", element: <HomePage /> },
      { path: "/story/:id", element: <StoryPage /> },
      { path: "/stories/new", lazy: () => import("./features/stories/CreateStoryPage").then((m) => ({ Component: m.CreateStoryPage })) },
      { path: "/stories/report", lazy: () => import("./features/security/ReportBugPage").then((m) => ({ Component: m.ReportBugPage })) },
      { path: "/account/tokens", lazy: () => import("./features/account/TokensPage").then((m) => ({ Component: m.TokensPage })) },
      { path: "/webhooks", lazy: () => import("./features/webhooks/WebhooksPage").then((m) => ({ Component: m.WebhooksPage })) },
      { path: "/project/*", element: <ProjectPage /> },
      { path: "/projects", lazy: () => import("./features/browse/ProjectsPage").then((m) => ({ Component: m.ProjectsPage })) },
      { path: "/project-groups", lazy: () => import("./features/browse/ProjectsPage").then((m) => ({ Component: m.ProjectGroupsPage })) },
      { path: "/stories", lazy: () => import("./features/search/SearchPage").then((m) => ({ Component: m.StoriesPage })) },
      { path: "/project-group/*", lazy: () => import("./features/projects/ProjectGroupPage").then((m) => ({ Component: m.ProjectGroupPage })) },
      { path: "/teams", lazy: () => import("./features/teams/TeamsPage").then((m) => ({ Component: m.TeamsPage })) },
      { path: "/team/*", lazy: () => import("./features/teams/TeamPage").then((m) => ({ Component: m.TeamPage })) },
      { path: "/inbox", lazy: () => import("./features/notifications/InboxPage").then((m) => ({ Component: m.InboxPage })) },
      { path: "/preferences", lazy: () => import("./features/preferences/PreferencesPage").then((m) => ({ Component: m.PreferencesPage })) },
      { path: "/admin", lazy: () => import("./features/admin/AdminPage").then((m) => ({ Component: m.AdminPage })) },
      { path: "/user/:id", lazy: () => import("./features/home/UserPage").then((m) => ({ Component: m.UserPage })) },
      { path: "/search", lazy: () => import("./features/search/SearchPage").then((m) => ({ Component: m.SearchPage })) },
      { path: "/planning", lazy: () => import("./features/planning/PlanningPage").then((m) => ({ Component: m.PlanningPage })) },
      { path: "/board/:id", lazy: () => import("./features/planning/BoardPage").then((m) => ({ Component: m.BoardPage })) },
      { path: "/worklist/:id", lazy: () => import("./features/planning/WorklistPage").then((m) => ({ Component: m.WorklistPage })) },
      { path: "/priorities", lazy: () => import("./features/planning/PrioritiesPage").then((m) => ({ Component: m.PrioritiesPage })) },
      { path: "/login", lazy: () => import("./features/auth/LoginPage").then((m) => ({ Component: m.LoginPage })) },
      { path: "/auth/callback", lazy: () => import("./features/auth/CallbackPage").then((m) => ({ Component: m.CallbackPage })) },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
];

export function App() {
  // Created on first render, after main.tsx has rewritten an old StoryBoard URL.
  const [router] = useState(() => createBrowserRouter(routes));
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
