// live.js - live updates: one EventSource per tab on /api/v1/stream.  The
// stream says only that something moved (the change number, the pulse);
// the page in view then reads its data again, at most once a second.
import { useState, useEffect } from "./html.js";

let source = null;
let generation = 0;
let connected = false;
const listeners = new Set();
let timer = null;
let last = null;
const notify = () => listeners.forEach((f) => f(generation, connected));

export function startLive() {
  if (source) return;
  source = new EventSource("/api/v1/stream");
  source.addEventListener("open", () => { connected = true; notify(); });
  source.addEventListener("error", () => { connected = false; notify(); });
  source.addEventListener("change", (e) => {
    if (e.data === last) return;       // a reconnect: nothing moved
    const first = last === null;
    last = e.data;
    if (first || timer) return;
    timer = setTimeout(() => { timer = null; generation++; notify(); }, 1000);
  });
}
export function stopLive() {
  source?.close();
  source = null;
  connected = false;
  notify();
}

// something moved that the page itself did: read again now
export function poke() {
  generation++;
  notify();
}

// [act, msg, err]: act(fn, ok) runs an action of the page (fn returns a
// promise), says ok or the error, and reads the page's data again
export function useAction() {
  const [msg, setMsg] = useState("");
  const [err, setErr] = useState(null);
  async function act(fn, ok) {
    setErr(null); setMsg("");
    try { await fn(); setMsg(ok); poke(); } catch (e) { setErr(e); }
  }
  return [act, msg, err];
}

// [generation, connected]: re-render when something moved
export function useLive() {
  const [s, set] = useState([generation, connected]);
  useEffect(() => {
    const f = (g, c) => set([g, c]);
    listeners.add(f);
    return () => listeners.delete(f);
  }, []);
  return s;
}

// {data, error, loading}: load() again when deps change or something moved
export function useData(load, deps = []) {
  const [gen] = useLive();
  const [st, set] = useState({ data: null, error: null, loading: true });
  useEffect(() => {
    let alive = true;
    load().then((data) => alive && set({ data, error: null, loading: false }),
      (error) => alive && set((o) => ({ data: o.data, error, loading: false })));
    return () => { alive = false; };
  }, [...deps, gen]);
  return st;
}
