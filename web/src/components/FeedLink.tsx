import { Link } from "react-router-dom";

/**
 * A page's Atom feed (docs/notifications.md): public stories for anyone; a feed reader sees the private
 * stories you can see too when `?token=` with one of your feed tokens (Access tokens page) is added.
 * `needsToken`: the page is a private story, whose feed answers only through a feed token.
 */
export function FeedLink({ path, of, needsToken = false }: { path: string; of: string; needsToken?: boolean }) {
  return (
    <span className="feed-link">
      <a
        href={`/api/v1/feeds/${path}.atom`}
        type="application/atom+xml"
        title={`Atom feed of ${of}. For private stories, add ?token= with a feed token (Access tokens page).`}
      >
        Feed
      </a>
      {needsToken && (
        <>
          {" "}
          (<Link to="/account/tokens">needs a feed token</Link>)
        </>
      )}
    </span>
  );
}
