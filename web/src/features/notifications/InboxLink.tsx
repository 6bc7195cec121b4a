import { NavLink } from "react-router-dom";
import { unreadCount, unreadLabel } from "../../lib/NotificationInbox";
import { useInboxNewest, useInboxRead } from "./InboxQueries";
import "./NotificationStyles.css";

/** The header's link to the inbox, with the number of unread entries. */
export function InboxLink() {
  const newest = useInboxNewest(true);
  const read = useInboxRead();
  const ids = newest.data?.items.map((e) => e.id) ?? [];
  const label = newest.data && read.ready ? unreadLabel(unreadCount(read.state, ids, newest.data.total)) : "";
  return (
    <NavLink to="/inbox" className="inbox-link">
      Inbox
      {label && (
        <>
          {" "}
          <span className="inbox-count">{label}</span>
          <span className="visually-hidden"> unread</span>
        </>
      )}
    </NavLink>
  );
}
