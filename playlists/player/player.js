// localcast browser player: pairs, plays the playlist by wall clock, survives the server going away.
//
// - Timing: each hour's `sequence` is laid out slot after slot from the top of the hour, so every
//   screen knows what plays at any moment. A play starts on its slot boundary and is reported only
//   when it was on screen for its full planned duration (measured with performance.now()).
// - Offline: the playlist is kept in localStorage and Cache Storage (the service worker serves it
//   and the files when the network fails); proof of play waits in a localStorage queue and is sent
//   later with the same play ids, so a retry is never counted twice.
// - Nothing to play (no playlist yet, an hour the plan left empty, a file that cannot load):
//   the built-in house card, never a blank screen.
// - Test hooks: window.localcastPlayer (played, refused, queueLength(), stop()). `?report_s=N`
//   sends proof of play every N seconds (default 30). Durations are never shortened: tests publish
//   playlists with short slots instead.
(() => {
  "use strict";
  const params = new URLSearchParams(location.search);
  const REPORT_S = Math.max(1, Number(params.get("report_s")) || 30);
  const BATCH = 500;
  const KEY = {
    screen: "localcast.screen",
    pairing: "localcast.pairing",
    playlist: "localcast.playlist",
    queue: "localcast.queue",
  };
  const FILES_CACHE = "localcast-files-v1";

  const $ = (id) => document.getElementById(id);
  const load = (key) => {
    try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
  };
  const save = (key, value) => localStorage.setItem(key, JSON.stringify(value));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID()
    : Date.now().toString(36) + Math.random().toString(36).slice(2));

  const hooks = {
    played: [], refused: [], mode: "starting", pairingCode: null, stopped: false,
    queueLength: () => (load(KEY.queue) || []).length,
    stop: () => { hooks.stopped = true; },
    flush: () => flush(),
  };
  window.localcastPlayer = hooks;

  // ------------------------------------------------------------------ display
  function showHouse(code) {
    $("ad").style.display = "none";
    $("house").style.display = "flex";
    $("pair").style.display = code ? "block" : "none";
    $("pair-code").textContent = code || "";
  }
  setInterval(() => {
    $("clock").textContent = new Date().toLocaleTimeString("ko-KR", { hour12: false });
  }, 1000);

  const preloaded = new Map();
  function preload(url) {
    if (!url || preloaded.has(url)) return preloaded.get(url);
    const image = new Image();
    image.src = url;
    preloaded.set(url, image);
    if (preloaded.size > 12) preloaded.delete(preloaded.keys().next().value);
    return image;
  }

  async function display(item) {
    if (!item.url) { showHouse(); return true; } // built-in card is the planned content
    const image = preload(item.url);
    if (!(image.complete && image.naturalWidth > 0)) {
      try {
        await Promise.race([image.decode(), sleep(1500).then(() => { throw new Error("slow"); })]);
      } catch (e) {
        preloaded.delete(item.url);
        showHouse();
        return false;
      }
    }
    $("ad").src = item.url;
    $("ad").style.display = "block";
    $("house").style.display = "none";
    return true;
  }

  // ------------------------------------------------------------------ pairing
  async function pair() {
    hooks.mode = "pairing";
    for (;;) {
      let pairing = load(KEY.pairing);
      if (!pairing || Date.parse(pairing.expires_at) < Date.now()) {
        try {
          const answer = await fetch("/api/v1/pairing", { method: "POST" });
          if (!answer.ok) throw new Error(String(answer.status));
          pairing = await answer.json();
          save(KEY.pairing, pairing);
        } catch (e) {
          showHouse();
          await sleep(5000);
          continue;
        }
      }
      hooks.pairingCode = pairing.code;
      showHouse(pairing.code);
      try {
        const answer = await fetch(`/api/v1/pairing/${pairing.code}`, {
          headers: { Authorization: `Bearer ${pairing.device_secret}` }, cache: "no-store",
        });
        if (answer.ok) {
          const body = await answer.json();
          if (body.status === "paired") {
            save(KEY.screen, { id: body.screen_id, token: body.token });
            localStorage.removeItem(KEY.pairing);
            hooks.pairingCode = null;
            return;
          }
        } else if (answer.status !== 429 && answer.status < 500) {
          localStorage.removeItem(KEY.pairing); // expired, collected or unknown: start over
        }
      } catch (e) { /* server away: keep showing the code */ }
      await sleep((pairing.poll_interval_s || 3) * 1000);
    }
  }

  // ------------------------------------------------------------------ playlist
  let current = load(KEY.playlist); // {etag, doc}
  let layout = null;

  function buildLayout(doc) {
    const slot = (doc.slot_seconds || 10) * 1000;
    return (doc.hours || []).map((hour) => {
      const start = Date.parse(hour.start);
      const durations = hour.sequence.map((id) => {
        const item = doc.items[id];
        return item && item.duration_s ? item.duration_s * 1000 : slot;
      });
      return { start, end: start + 3600e3, sequence: hour.sequence, durations,
               total: durations.reduce((a, b) => a + b, 0) };
    }).sort((a, b) => a.start - b.start);
  }
  if (current) layout = buildLayout(current.doc);

  function adopt(etag, doc) {
    current = { etag, doc };
    layout = buildLayout(doc);
    save(KEY.playlist, current);
    cacheFiles(doc);
  }

  async function cacheFiles(doc) {
    if (!("caches" in window)) return;
    try {
      const cache = await caches.open(FILES_CACHE);
      for (const media of Object.values(doc.media || {})) {
        if (media.url && !(await cache.match(media.url))) await cache.add(media.url);
      }
    } catch (e) { /* offline: the service worker fills the cache as files are shown */ }
  }

  // The slot that starts at or after time t (ms), or null when the plan has nothing ahead.
  function slotAt(t) {
    if (!current || !layout) return null;
    for (const hour of layout) {
      if (t >= hour.end || !hour.total) continue;
      const rel = Math.max(0, t - hour.start);
      const base = hour.start + Math.floor(rel / hour.total) * hour.total;
      let at = base;
      for (let i = 0; i < hour.sequence.length && at < hour.end; i++) {
        if (at >= t) return slot(hour, i, at);
        at += hour.durations[i];
      }
      if (at < hour.end) return slot(hour, 0, at); // the sequence repeats within the hour
    }
    return null;
  }
  function slot(hour, i, at) {
    const id = hour.sequence[i];
    const item = current.doc.items[id] || {};
    return { itemId: id, url: item.url || null, startAt: at, durationMs: hour.durations[i],
             version: current.doc.version };
  }

  async function pollPlaylist(screen) {
    const headers = { Authorization: `Bearer ${screen.token}` };
    if (current && current.doc.screen_id === screen.id) headers["If-None-Match"] = current.etag;
    let answer;
    try {
      answer = await fetch(`/api/v1/screens/${screen.id}/playlist`, { headers, cache: "no-store" });
    } catch (e) {
      return "offline";
    }
    if (answer.status === 200) {
      const doc = await answer.json();
      adopt(answer.headers.get("ETag"), doc);
    } else if (answer.status === 401) {
      localStorage.removeItem(KEY.screen); // revoked: pair again
      return "unpaired";
    } else if (answer.status === 404) {
      current = null; layout = null; localStorage.removeItem(KEY.playlist);
    }
    return "ok";
  }

  function nextPollDelay() {
    const poll = (current && current.doc.poll) || { interval_s: 60, offset_s: 0 };
    const interval = poll.interval_s * 1000;
    const now = Date.now() - poll.offset_s * 1000;
    return interval - (now % interval) || interval;
  }

  // ------------------------------------------------------------------ proof of play
  function enqueue(play) {
    const queue = load(KEY.queue) || [];
    queue.push(play);
    save(KEY.queue, queue);
  }

  let flushing = false;
  async function flush() {
    const screen = load(KEY.screen);
    if (flushing || !screen) return;
    flushing = true;
    try {
      for (;;) {
        const queue = load(KEY.queue) || [];
        if (!queue.length) return;
        const batch = queue.slice(0, BATCH).map(({ play_id, item_id, started_at, duration_ms }) =>
          ({ play_id, item_id, started_at, duration_ms }));
        const answer = await fetch(`/api/v1/screens/${screen.id}/plays`, {
          method: "POST",
          headers: { Authorization: `Bearer ${screen.token}`, "Content-Type": "application/json" },
          body: JSON.stringify({ plays: batch }),
        });
        if (answer.status !== 200 && answer.status !== 422) return; // try again later
        const done = new Set(batch.map((p) => p.play_id));
        if (answer.status === 200) {
          const body = await answer.json();
          for (const r of body.refused) hooks.refused.push(r);
        }
        save(KEY.queue, (load(KEY.queue) || []).filter((p) => !done.has(p.play_id)));
      }
    } catch (e) {
      /* offline: the queue stays, same ids next time */
    } finally {
      flushing = false;
    }
  }

  // ------------------------------------------------------------------ main loop
  async function waitUntil(when, version) {
    while (!hooks.stopped) {
      const left = when - Date.now();
      if (left <= 0) return true;
      await sleep(Math.min(left, 500));
      if (current && current.doc.version !== version) return false; // new plan: re-evaluate
    }
    return false;
  }

  async function play() {
    hooks.mode = "playing";
    let cursor = null;
    while (!hooks.stopped) {
      const now = Date.now();
      // Keep to the planned boundaries unless we fell behind (a frozen tab, a slow image).
      const next = slotAt(cursor !== null && now - cursor < 1000 ? cursor : now);
      if (!next) { showHouse(); cursor = null; await sleep(1000); continue; }
      if (next.startAt > Date.now() && !(await waitUntil(next.startAt, next.version))) {
        cursor = null;
        continue;
      }
      const shown = await display(next);
      const startedAt = new Date();
      const t0 = performance.now();
      const following = slotAt(next.startAt + next.durationMs);
      if (following && following.url) preload(following.url);
      while (!hooks.stopped && performance.now() - t0 < next.durationMs) {
        await sleep(Math.min(next.durationMs - (performance.now() - t0), 250));
      }
      const elapsed = Math.round(performance.now() - t0);
      cursor = next.startAt + next.durationMs;
      if (hooks.stopped || !shown || elapsed < next.durationMs) continue; // not a full play
      const record = { play_id: uuid(), item_id: next.itemId,
                       started_at: startedAt.toISOString(), duration_ms: elapsed };
      hooks.played.push({ ...record, planned_ms: next.durationMs });
      enqueue(record);
    }
  }

  async function keepPolling() {
    while (!hooks.stopped) {
      const screen = load(KEY.screen);
      if (!screen) return;
      if ((await pollPlaylist(screen)) === "unpaired") { location.reload(); return; }
      await sleep(nextPollDelay());
    }
  }

  async function main() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/player/sw.js", { scope: "/player/" }).catch(() => {});
    }
    showHouse();
    if (!load(KEY.screen)) await pair();
    const screen = load(KEY.screen);
    await pollPlaylist(screen);
    keepPolling();
    setInterval(() => { if (!hooks.stopped || hooks.queueLength()) flush(); }, REPORT_S * 1000);
    await play();
  }
  main();
})();
