import { NavLink } from "react-router-dom";
import { unreadCount, unreadLabel } from "../../lib/NotificationInbox";
import { useInboxNewest, useInboxRead } from "./InboxQueries";
import "./NotificationStyles.css";

/** The number of unread inbox entries ("3", "50+"; nothing when none), read as "3 unread". */
export function InboxCount() {
  const newest = useInboxNewest(true);
  const read = useInboxRead();
  const ids = newest.data?.items.map((e) => e.id) ?? [];
  const label = newest.data && read.ready ? unreadLabel(unreadCount(read.state, ids, newest.data.total)) : "";
  if (!label) return null;
  return (
    <>
      {" "}
      <span className="inbox-count">{label}</span>
      <span className="visually-hidden"> unread</span>
    </>
  );
}

/** The header's link to the inbox, with the number of unread entries (also on the phone's Menu button). */
export function InboxLink() {
  return (
    <NavLink to="/inbox" className="inbox-link">
      Inbox
      <InboxCount />
    </NavLink>
  );
}
