// Small formatting helpers and a ticking clock for relative times.
import { useEffect, useState } from 'react';

/** A score as shown in a cell: '' when not graded. */
export const formatScore = (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');

/** '87.5' or '–'. */
export const formatGrade = (v) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(1) : '–');

/**
 * What the user typed -> { ok, value }: value is a number rounded to one decimal, or null for an
 * empty cell (the score is cleared: not graded).
 */
export function parseScore(text) {
  const t = String(text).trim().replace(',', '.');
  if (t === '') return { ok: true, value: null };
  if (!/^\d{1,3}(\.\d+)?$/.test(t)) return { ok: false, message: 'Enter a number from 0 to 100' };
  const n = Math.round(Number(t) * 10) / 10;
  if (n > 100) return { ok: false, message: 'Scores go up to 100' };
  return { ok: true, value: n };
}

export const clockTime = (ms) =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function relativeTime(ms, now) {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  return clockTime(ms);
}

/** Date.now(), re-rendered every `ms`. */
export function useNow(ms = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
