import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { debounced, liveUrl, openLive, READY_TIMEOUT_MS, retryDelay, TICKET_TIMEOUT_MS, type LiveChange, type LiveMode } from "./live";

/** A stand-in for the browser's EventSource: the test plays the server's side. */
class FakeSource {
  static made: FakeSource[] = [];
  readyState = 0;
  closed = false;
  onerror: ((this: EventSource, ev: Event) => unknown) | null = null;
  private listeners = new Map<string, ((e: Event) => void)[]>();
  constructor(readonly url: string) {
    FakeSource.made.push(this);
  }
  addEventListener(type: string, fn: (e: Event) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: unknown, lastEventId = "") {
    const event = new MessageEvent(type, { data: JSON.stringify(data), lastEventId });
    for (const fn of this.listeners.get(type) ?? []) fn(event);
  }
  fail() {
    this.onerror?.call(this as unknown as EventSource, new Event("error"));
  }
}

/** The n-th source made (it must exist). */
function made(n: number): FakeSource {
  const source = FakeSource.made[n];
  if (!source) throw new Error(`no source ${n}`);
  return source;
}

const factory = (url: string) => new FakeSource(url) as unknown as EventSource;
const change = (id: number, story = 7): LiveChange => ({ id, type: "user_comment", story_id: story, worklist_id: null, board_id: null });

const stored = new Map<string, string>();
beforeEach(() => {
  FakeSource.made = [];
  vi.useFakeTimers();
  stored.clear();
  vi.stubGlobal("localStorage", {
    getItem: (k: string) => stored.get(k) ?? null,
    setItem: (k: string, v: string) => stored.set(k, v),
    removeItem: (k: string) => stored.delete(k),
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("liveUrl", () => {
  it("names the topics, the ticket and where to resume, at the root (a preview path)", () => {
    const url = new URL(liveUrl({ story: [1, 2], board: [3] }, "t.k", 40), "http://x");
    expect(url.pathname).toBe("/preview/live");
    expect(url.searchParams.getAll("story")).toEqual(["1", "2"]);
    expect(url.searchParams.get("board")).toBe("3");
    expect(url.searchParams.get("ticket")).toBe("t.k");
    expect(url.searchParams.get("last_event_id")).toBe("40");
    expect(new URL(liveUrl({ project: [5] }, null, null), "http://x").search).toBe("?project=5");
  });
  it("sends a list's query, even an empty one (every story)", () => {
    const url = new URL(liveUrl({ story: [1], query: "tag:a b" }, "t", null), "http://x");
    expect(url.searchParams.get("query")).toBe("tag:a b");
    expect(url.searchParams.getAll("story")).toEqual(["1"]);
    expect(new URL(liveUrl({ query: "" }, null, null), "http://x").search).toBe("?query=");
  });
});

describe("openLive", () => {
  it("batches changes, and resumes after an error from the last one seen", async () => {
    const batches: LiveChange[][] = [];
    const modes: LiveMode[] = [];
    const stop = openLive({ story: [7] }, { onChange: (c) => batches.push(c), onReset: () => undefined, onMode: (m) => modes.push(m) }, factory);
    await vi.advanceTimersByTimeAsync(0);
    const first = made(0);
    expect(first.url).not.toContain("ticket"); // anonymous: no ticket
    first.emit("ready", { cursor: 10 }, "10");
    first.emit("change", change(11));
    first.emit("change", change(12));
    await vi.advanceTimersByTimeAsync(60);
    expect(batches).toEqual([[change(11), change(12)]]);
    expect(modes).toEqual(["connecting", "stream"]);
    first.fail();
    expect(first.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(retryDelay(1));
    const second = made(1);
    expect(new URL(second.url, "http://x").searchParams.get("last_event_id")).toBe("12");
    stop();
    expect(second.closed).toBe(true);
  });

  it("polls after failures in a row and returns to the stream when it opens again", async () => {
    const modes: LiveMode[] = [];
    const stop = openLive({ board: [3] }, { onChange: () => undefined, onReset: () => undefined, onMode: (m) => modes.push(m) }, factory);
    await vi.advanceTimersByTimeAsync(0);
    made(0).fail();
    await vi.advanceTimersByTimeAsync(retryDelay(1));
    made(1).fail();
    expect(modes).toEqual(["connecting", "polling"]);
    await vi.advanceTimersByTimeAsync(retryDelay(2));
    made(2).emit("ready", { cursor: 5 }, "5");
    expect(modes).toEqual(["connecting", "polling", "stream"]);
    stop();
  });

  it("asks for a ticket when logged in, never puts the token in the address, and tells a reset", async () => {
    stored.set("storyline.token", "secret-token");
    let resets = 0;
    const stop = openLive({ worklist: [4] }, { onChange: () => undefined, onReset: () => (resets += 1) }, factory, () =>
      Promise.resolve("ticket-1"),
    );
    await vi.advanceTimersByTimeAsync(0);
    const source = made(0);
    expect(source.url).toContain("ticket=ticket-1");
    expect(source.url).not.toContain("secret-token");
    source.emit("reset", { reason: "too far behind" });
    expect(resets).toBe(1);
    stop();
  });

  it("polls at once without EventSource or without topics", () => {
    const modes: LiveMode[] = [];
    openLive({ story: [1] }, { onChange: () => undefined, onReset: () => undefined, onMode: (m) => modes.push(m) }, null)();
    openLive({}, { onChange: () => undefined, onReset: () => undefined, onMode: (m) => modes.push(m) }, factory)();
    expect(modes).toEqual(["polling", "polling"]);
    expect(FakeSource.made).toEqual([]);
  });

  it("polls at once when the ticket request never answers, and opens the stream once a ticket comes", async () => {
    stored.set("storyline.token", "secret-token");
    const modes: LiveMode[] = [];
    let calls = 0;
    const stop = openLive(
      { project: [2] },
      { onChange: () => undefined, onReset: () => undefined, onMode: (m) => modes.push(m) },
      factory,
      () => {
        calls += 1;
        return calls === 1 ? new Promise<string>(() => undefined) : Promise.resolve("ticket-2");
      },
    );
    await vi.advanceTimersByTimeAsync(TICKET_TIMEOUT_MS - 1);
    expect(modes).toEqual(["connecting"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(modes).toEqual(["connecting", "polling"]); // the first time out: no second failure awaited
    expect(FakeSource.made).toEqual([]);
    await vi.advanceTimersByTimeAsync(retryDelay(1));
    expect(made(0).url).toContain("ticket=ticket-2");
    made(0).emit("ready", { cursor: 3 }, "3");
    expect(modes).toEqual(["connecting", "polling", "stream"]);
    stop();
  });

  it("gives up on a stream that never says ready, and polls", async () => {
    const modes: LiveMode[] = [];
    const stop = openLive({ story: [1] }, { onChange: () => undefined, onReset: () => undefined, onMode: (m) => modes.push(m) }, factory);
    await vi.advanceTimersByTimeAsync(READY_TIMEOUT_MS);
    expect(made(0).closed).toBe(true);
    expect(modes).toEqual(["connecting", "polling"]);
    await vi.advanceTimersByTimeAsync(retryDelay(1));
    made(1).emit("ready", { cursor: 1 }, "1");
    await vi.advanceTimersByTimeAsync(READY_TIMEOUT_MS);
    expect(made(1).closed).toBe(false); // ready in time: kept
    stop();
  });

  it("resumes after the cursor it is given and tells the cursor as it moves", async () => {
    const cursors: number[] = [];
    const stop = openLive(
      { story: [7] },
      { onChange: () => undefined, onReset: () => undefined, onCursor: (id) => cursors.push(id), resumeAfter: 40 },
      factory,
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(new URL(made(0).url, "http://x").searchParams.get("last_event_id")).toBe("40");
    made(0).emit("ready", { cursor: 45 }, "45");
    made(0).emit("change", change(46));
    expect(cursors).toEqual([45, 46]);
    stop();
  });
});

describe("debounced", () => {
  it("runs once after a burst, and at most the maximum wait after its first call", async () => {
    let runs = 0;
    const d = debounced(() => (runs += 1), 200, 800);
    d.call();
    await vi.advanceTimersByTimeAsync(150);
    d.call();
    await vi.advanceTimersByTimeAsync(150);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(50);
    expect(runs).toBe(1);
    for (let i = 0; i < 10; i++) {
      d.call();
      await vi.advanceTimersByTimeAsync(100); // a steady trickle, faster than the wait
    }
    expect(runs).toBeGreaterThanOrEqual(2);
    d.call();
    d.cancel();
    const before = runs;
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(before);
  });
});
