/**
 * A page's Atom feed (docs/notifications.md): public stories for anyone; a feed reader sees the private
 * stories you can see too when `?token=` with one of your feed tokens (Access tokens page) is added.
 */
export function FeedLink({ path, of }: { path: string; of: string }) {
  return (
    <a
      className="feed-link"
      href={`/api/v1/feeds/${path}.atom`}
      type="application/atom+xml"
      title={`Atom feed of ${of}. For private stories, add ?token= with a feed token (Access tokens page).`}
    >
      Feed
    </a>
  );
}
