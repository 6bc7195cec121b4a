import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { createBrowserRouter, RouterProvider } from "react-router-dom";
import { ApiError } from "./api/client";
import { Layout } from "./components/Layout";
import { CallbackPage } from "./features/auth/CallbackPage";
import { LoginPage } from "./features/auth/LoginPage";
import { HomePage } from "./features/home/HomePage";
import { UserPage } from "./features/home/UserPage";
import { ProjectGroupPage } from "./features/projects/ProjectGroupPage";
import { AdminPage } from "./features/admin/AdminPage";
import { PreferencesPage } from "./features/preferences/PreferencesPage";
import { TeamPage } from "./features/teams/TeamPage";
import { TeamsPage } from "./features/teams/TeamsPage";
import { ProjectPage } from "./features/projects/ProjectPage";
import { SearchPage } from "./features/search/SearchPage";
import { CreateStoryPage } from "./features/stories/CreateStoryPage";
import { StoryPage } from "./features/stories/StoryPage";
import { TokensPage } from "./features/account/TokensPage";
import { ReportBugPage } from "./features/security/ReportBugPage";
import { BoardPage } from "./features/planning/BoardPage";
import { PlanningPage } from "./features/planning/PlanningPage";
import { PrioritiesPage } from "./features/planning/PrioritiesPage";
import { WorklistPage } from "./features/planning/WorklistPage";

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

const routes = [
  {
    element: <Layout />,
    children: [
      { path: "/", element: <HomePage /> },
      { path: "/story/:id", element: <StoryPage /> },
      { path: "/stories/new", element: <CreateStoryPage /> },
      { path: "/stories/report", element: <ReportBugPage /> },
      { path: "/account/tokens", element: <TokensPage /> },
      { path: "/project/*", element: <ProjectPage /> },
      { path: "/project-group/*", element: <ProjectGroupPage /> },
      { path: "/teams", element: <TeamsPage /> },
      { path: "/team/*", element: <TeamPage /> },
      { path: "/preferences", element: <PreferencesPage /> },
      { path: "/admin", element: <AdminPage /> },
      { path: "/user/:id", element: <UserPage /> },
      { path: "/search", element: <SearchPage /> },
      { path: "/planning", element: <PlanningPage /> },
      { path: "/board/:id", element: <BoardPage /> },
      { path: "/worklist/:id", element: <WorklistPage /> },
      { path: "/priorities", element: <PrioritiesPage /> },
      { path: "/login", element: <LoginPage /> },
      { path: "/auth/callback", element: <CallbackPage /> },
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
