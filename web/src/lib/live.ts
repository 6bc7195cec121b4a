// Live updates: a server-sent events stream (/preview/live) telling the page which of the things it shows
// changed; the page then reads them again through the API. Falls back to polling when the stream fails.
import { useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api, buildUrl } from "../api/client";
import { getToken, onTokenChange } from "./auth";

/** What a page shows (ids of each kind); the stream tells about changes to any of them. */
export interface LiveTopics {
  story?: number[];
  worklist?: number[];
  board?: number[];
  project?: number[];
  project_group?: number[];
  /** A list's query (the search language; "" is every story): a story that comes to match it is told. */
  query?: string;
}

/** One change: a timeline event the reader may see (ids and type only; the API tells the rest). */
export interface LiveChange {
  id: number;
  type: string;
  story_id: number | null;
  worklist_id: number | null;
  board_id: number | null;
}

export type LiveMode = "connecting" | "stream" | "polling";

export interface LiveHandlers {
  /** Changes, a few at a time (those arriving within BATCH_MS together). */
  onChange: (changes: LiveChange[]) => void;
  /** Too much was missed to tell change by change: read everything again. */
  onReset: () => void;
  onMode?: (mode: LiveMode) => void;
  /** The newest event told so far (the stream's cursor), as it moves. */
  onCursor?: (id: number) => void;
  /** Start after this event (a page whose topics changed resumes where its previous stream was). */
  resumeAfter?: number | null;
}

/** How often a page polls when the stream is not available. */
export const LIVE_POLL_MS = 3000;
const BATCH_MS = 20;
/** Failures in a row after which the page polls (the stream is still tried again, less and less often). */
const FAILURES_BEFORE_POLLING = 2;
const MAX_RETRY_MS = 30_000;
/** A stream ticket request that has not answered by then counts as a failure (and the page polls). */
export const TICKET_TIMEOUT_MS = 5000;
/** A stream that has not said "ready" by then counts as a failure too (a proxy holding the response). */
export const READY_TIMEOUT_MS = 10_000;

/** The promise's value, or a rejection once `ms` have passed without one (the late answer is dropped). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** The stream's address: the topics, the ticket (never the token itself), where to resume. */
export function liveUrl(topics: LiveTopics, ticket: string | null, lastEventId: number | null): string {
  const url = buildUrl("/preview/live", {
    story: topics.story,
    worklist: topics.worklist,
    board: topics.board,
    project: topics.project,
    project_group: topics.project_group,
    ticket: ticket ?? undefined,
    last_event_id: lastEventId ?? undefined,
  });
  // The query is sent even when empty ("every story"), which buildUrl would leave out.
  if (topics.query === undefined) return url;
  return `${url}${url.includes("?") ? "&" : "?"}query=${encodeURIComponent(topics.query)}`;
}

function empty(topics: LiveTopics): boolean {
  return topics.query === undefined && [topics.story, topics.worklist, topics.board, topics.project, topics.project_group].every((ids) => !ids || ids.length === 0);
}

/** The delay before the n-th attempt after a failure: 1 s, 2 s, 4 s ... at most 30 s. */
export function retryDelay(failures: number): number {
  return Math.min(MAX_RETRY_MS, 1000 * 2 ** Math.max(0, failures - 1));
}

type EventSourceLike = Pick<EventSource, "addEventListener" | "close" | "readyState"> & {
  onerror: ((this: EventSource, ev: Event) => unknown) | null;
};
type EventSourceFactory = (url: string) => EventSourceLike;

/** Open a stream of the topics' changes; returns what closes it. A logged-in reader first gets a short-lived
 * ticket (EventSource cannot send the Authorization header); the stream resumes where it stopped
 * (last_event_id) after an error, a server restart or a new token. */
export function openLive(
  topics: LiveTopics,
  handlers: LiveHandlers,
  factory: EventSourceFactory | null = typeof EventSource === "undefined" ? null : (url) => new EventSource(url),
  getTicket: () => Promise<string> = async () =>
    (await api<{ ticket: string }>("POST", "/preview/live/tickets")).ticket,
): () => void {
  let stopped = false;
  let source: EventSourceLike | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let readyTimer: ReturnType<typeof setTimeout> | undefined;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let lastId: number | null = handlers.resumeAfter ?? null;
  let mode: LiveMode | null = null;
  let pending: LiveChange[] = [];
  const setMode = (next: LiveMode) => {
    if (next !== mode) {
      mode = next;
      handlers.onMode?.(next);
    }
  };
  if (factory === null || empty(topics)) {
    setMode("polling");
    return () => undefined;
  }
  const flush = () => {
    flushTimer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length > 0 && !stopped) handlers.onChange(batch);
  };
  const close = () => {
    clearTimeout(readyTimer);
    source?.close();
    source = null;
  };
  const retry = (delay: number) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(() => void connect(), delay);
  };
  const failed = (pollNow = false) => {
    close();
    failures += 1;
    if (pollNow || failures >= FAILURES_BEFORE_POLLING) setMode("polling");
    retry(retryDelay(failures));
  };
  const connect = async () => {
    close();
    if (stopped) return;
    let ticket: string | null = null;
    if (getToken()) {
      try {
        ticket = await withTimeout(getTicket(), TICKET_TIMEOUT_MS);
      } catch {
        if (stopped) return;
        // Unanswered for TICKET_TIMEOUT_MS (or refused): poll meanwhile, it has already been a while.
        failed(true);
        return;
      }
      if (stopped) return;
    }
    const es = factory(liveUrl(topics, ticket, lastId));
    source = es;
    readyTimer = setTimeout(() => {
      if (source === es) failed(true);
    }, READY_TIMEOUT_MS);
    es.addEventListener("ready", (e) => {
      clearTimeout(readyTimer);
      failures = 0;
      const id = Number((e as MessageEvent).lastEventId);
      // Everything up to the server's cursor was told (the missed changes were replayed before it).
      if (Number.isFinite(id) && id > 0) {
        lastId = Math.max(lastId ?? 0, id);
        handlers.onCursor?.(lastId);
      }
      setMode("stream");
    });
    es.addEventListener("change", (e) => {
      const change = JSON.parse((e as MessageEvent<string>).data) as LiveChange;
      lastId = Math.max(lastId ?? 0, change.id);
      handlers.onCursor?.(lastId);
      pending.push(change);
      flushTimer ??= setTimeout(flush, BATCH_MS);
    });
    es.addEventListener("reset", () => handlers.onReset());
    es.addEventListener("end", (e) => {
      // The server stops (a restart) or no longer accepts the token: a new ticket, shortly.
      const reason = (JSON.parse((e as MessageEvent<string>).data) as { reason?: string }).reason;
      close();
      retry(reason === "shutdown" ? 1000 + Math.random() * 2000 : 500);
    });
    // Any error (a refused ticket, the network, the server gone): our own reconnection, with a new ticket
    // and the last event seen (the browser's own would reuse an expired ticket).
    es.onerror = () => {
      if (source === es) failed();
    };
  };
  const unsubscribe = onTokenChange(() => {
    failures = 0;
    void connect();
  });
  setMode("connecting");
  void connect();
  return () => {
    stopped = true;
    unsubscribe();
    clearTimeout(timer);
    clearTimeout(readyTimer);
    clearTimeout(flushTimer);
    close();
  };
}

/** The stream of a page's topics as a React hook: `onChange` and `onReset` are the latest ones given; the
 * mode tells the page whether to poll. Topics are compared by value. */
export function useLive(
  topics: LiveTopics,
  onChange: (changes: LiveChange[]) => void,
  onReset: () => void,
  enabled = true,
): LiveMode {
  const [mode, setMode] = useState<LiveMode>("connecting");
  const handlers = useRef({ onChange, onReset });
  // The cursor outlives a stream: new topics (a list's rows changed) resume after the last event told.
  const cursor = useRef<number | null>(null);
  useEffect(() => {
    handlers.current = { onChange, onReset };
  });
  const key = JSON.stringify(topics);
  useEffect(() => {
    if (!enabled) return undefined;
    const parsed = JSON.parse(key) as LiveTopics;
    return openLive(parsed, {
      onChange: (changes) => handlers.current.onChange(changes),
      onReset: () => handlers.current.onReset(),
      onMode: setMode,
      onCursor: (id) => (cursor.current = id),
      resumeAfter: cursor.current,
    });
  }, [key, enabled]);
  return mode;
}

/** A notice burst (a bulk change of 50 tasks is 50 notices) reads the lists once: DEBOUNCE_MS after the
 * last notice, and at most MAX_WAIT_MS after the first (a steady trickle still refreshes). */
export const DEBOUNCE_MS = 200;
export const MAX_WAIT_MS = 800;

/** A trailing debounce with a maximum wait; `cancel` drops what is pending. */
export function debounced(fn: () => void, wait = DEBOUNCE_MS, maxWait = MAX_WAIT_MS) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let first: number | null = null;
  const fire = () => {
    timer = undefined;
    first = null;
    fn();
  };
  return {
    call() {
      const now = Date.now();
      first ??= now;
      clearTimeout(timer);
      timer = setTimeout(fire, Math.max(0, Math.min(wait, first + maxWait - now)));
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      first = null;
    },
  };
}

export interface LiveQueryOptions {
  enabled?: boolean;
  /** Only the notices this accepts read the queries again (default: every notice). */
  relevant?: (change: LiveChange) => boolean;
  /** Also read them every so many ms while the tab is visible, even with the stream open: for a list the
   * topics cannot cover whole (something anywhere may come to match it). */
  alsoEvery?: number | null;
  /** False: no stream (nothing to name), only `alsoEvery` (default true). */
  stream?: boolean;
}

/** Keep some queries fresh: read them again (debounced) when a relevant change of the topics arrives, or
 * every LIVE_POLL_MS while the tab is visible when the stream is not available (the lists and boards). */
export function useLiveQueries(topics: LiveTopics, keys: QueryKey[], enabledOrOptions: boolean | LiveQueryOptions = true): LiveMode {
  const options = typeof enabledOrOptions === "boolean" ? { enabled: enabledOrOptions } : enabledOrOptions;
  const enabled = options.enabled ?? true;
  const queryClient = useQueryClient();
  const keysRef = useRef(keys);
  const relevantRef = useRef(options.relevant);
  useEffect(() => {
    keysRef.current = keys;
    relevantRef.current = options.relevant;
  });
  const [refresh] = useState(() =>
    debounced(() => {
      for (const queryKey of keysRef.current) void queryClient.invalidateQueries({ queryKey });
    }),
  );
  useEffect(() => () => refresh.cancel(), [refresh]);
  const mode = useLive(
    topics,
    (changes) => {
      const relevant = relevantRef.current;
      if (!relevant || changes.some(relevant)) refresh.call();
    },
    () => refresh.call(),
    enabled && (options.stream ?? true),
  );
  const every = mode === "polling" && (options.stream ?? true) ? LIVE_POLL_MS : (options.alsoEvery ?? null);
  useEffect(() => {
    if (!enabled || every === null) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") {
        for (const queryKey of keysRef.current) void queryClient.invalidateQueries({ queryKey });
      }
    }, every);
    return () => clearInterval(timer);
  }, [every, enabled, queryClient]);
  return mode;
}
