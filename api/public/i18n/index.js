// The page's languages: each is one message catalogue (a module of key → text) and the language it falls back to,
// key by key, when a key is missing. English is complete and the last resort. The choice is the agent's (the switch,
// remembered in localStorage: the language only, nothing else), else the browser's first preferred language we have.
import en from './en.js';
import hi from './hi.js';
import mr from './mr.js';

export const LANGUAGES = Object.freeze({
  en: { messages: en, fallback: null, locale: 'en-IN' },
  hi: { messages: hi, fallback: 'en', locale: 'hi-IN' },
  mr: { messages: mr, fallback: 'hi', locale: 'mr-IN' },
});
export const DEFAULT_LANGUAGE = 'en';
const STORAGE_KEY = 'ekyc.lang';

let current = DEFAULT_LANGUAGE;

export function language() {
  return current;
}

export function locale() {
  return LANGUAGES[current].locale;
}

/** The language to start in: the one chosen before, else the browser's preference, else English. */
export function initialLanguage(nav = navigator, storage = localStorage) {
  let saved = null;
  try {
    saved = storage.getItem(STORAGE_KEY);
  } catch {
    saved = null;
  }
  if (saved && LANGUAGES[saved]) return saved;
  for (const tag of nav.languages?.length ? nav.languages : [nav.language]) {
    const base = String(tag ?? '')
      .toLowerCase()
      .split('-')[0];
    if (LANGUAGES[base]) return base;
  }
  return DEFAULT_LANGUAGE;
}

export function setLanguage(code, { remember = false } = {}) {
  if (!LANGUAGES[code]) return;
  current = code;
  document.documentElement.lang = code;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, code);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }
}

/** The raw message of `key` in `code`, following the fallbacks; undefined when no catalogue has it. */
function lookup(key, code = current) {
  for (let lang = code; lang; lang = LANGUAGES[lang].fallback) {
    const value = LANGUAGES[lang].messages[key];
    if (value !== undefined) return value;
  }
  return undefined;
}

export function has(key) {
  return lookup(key) !== undefined;
}

/** Numbers through Intl, in the page's language. */
export function formatNumber(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

/** A date and time through Intl, in the page's language, in India's time zone (as Eko and the agents count days). */
export function formatDateTime(iso, options = { dateStyle: 'medium', timeStyle: 'short' }) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(locale(), { timeZone: 'Asia/Kolkata', ...options }).format(date);
}

/**
 * The text of `key` with `{name}` placeholders filled from `params` (numbers through Intl). A `{ one, other }`
 * message picks its form by `params.n` (Intl.PluralRules). A key no catalogue has shows as itself, so it is seen.
 */
export function t(key, params = {}) {
  let value = lookup(key);
  if (value === undefined) return key;
  if (typeof value === 'object') {
    const form = new Intl.PluralRules(locale()).select(Number(params.n));
    value = value[form] ?? value.other;
  }
  return value.replace(/\{(\w+)\}/g, (whole, name) => {
    const v = params[name];
    if (v === undefined || v === null) return whole;
    return typeof v === 'number' ? formatNumber(v) : String(v);
  });
}
