/** The product's ticket mark, inline (the pages load nothing else). */
const BRAND_MARK =
  '<svg viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1d4ed8"/>' +
  '<path d="M7 10h18v4a2 2 0 0 0 0 4v4H7v-4a2 2 0 0 0 0-4z" fill="#fff"/>' +
  '<path d="M19 11v10" stroke="#1d4ed8" stroke-width="1.5" stroke-dasharray="2 1.5"/></svg>'

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

/**
 * A small self-contained HTML page in the product's look: no script, inline
 * styles only (allowed by a per-page CSP hash-free `style-src 'unsafe-inline'`
 * on these server-rendered pages, which carry no user script). `referrer`:
 * the page's referrer policy (default `no-referrer`; the `/link` pages use
 * `same-origin` so that their form POSTs carry a real `Origin`).
 *
 * @example
 * sendPage(res, 404, page('Not found', '<h1>Not found</h1>'))
 */
export function page(title: string, body: string, options: { referrer?: 'no-referrer' | 'same-origin' } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="${options.referrer ?? 'no-referrer'}">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)} · Boarding Pass</title>
<style>
  :root { color-scheme: light dark; --ink: #14213d; --muted: #4a5468; --paper: #f3efe6; --card: #fff; --line: #d9d2c3;
          --accent: #1d4ed8; --accent-ink: #fff; --danger: #b42318; --danger-soft: #fdf0ee;
          --shadow: 0 1px 2px rgb(20 33 61 / 8%), 0 12px 32px rgb(20 33 61 / 10%); }
  @media (prefers-color-scheme: dark) { :root { --ink: #eef2f8; --muted: #b8c2d6; --paper: #0e1526; --card: #17203a; --line: #33405f;
          --accent: #8fb3ff; --accent-ink: #0e1526; --danger: #ffa79c; --danger-soft: #3a1f24;
          --shadow: 0 1px 2px rgb(0 0 0 / 30%), 0 12px 32px rgb(0 0 0 / 35%); } }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--paper); color: var(--ink);
         font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; padding: 1rem; }
  main { width: min(28rem, 100%); background: var(--card); border: 1px solid var(--line); border-radius: 18px; padding: 2rem; box-shadow: var(--shadow); }
  .brand { display: flex; align-items: center; gap: .6rem; font-weight: 700; margin-bottom: 1.25rem; }
  .brand svg { width: 2rem; height: 2rem; flex: none; }
  h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
  h1:has(+ p.notice) { color: var(--danger); }
  p { color: var(--muted); margin: .5rem 0 1rem; }
  label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
  input[type=text] { width: 100%; font: inherit; padding: .7rem .8rem; border: 2px solid var(--muted); border-radius: 10px; background: transparent; color: inherit; }
  input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
  .actions { display: flex; gap: .75rem; margin-top: 1.25rem; flex-wrap: wrap; }
  button { flex: 1 1 8rem; min-height: 2.75rem; font: inherit; font-weight: 700; padding: .75rem 1rem; border-radius: 10px; cursor: pointer; border: 2px solid var(--accent); }
  button.primary { background: var(--accent); color: var(--accent-ink); }
  button.secondary { background: transparent; color: var(--ink); border-color: var(--ink); }
  .error { color: var(--danger); font-weight: 600; }
  .notice { background: var(--danger-soft); border-left: 4px solid var(--danger); border-radius: 6px; padding: .6rem .8rem; color: var(--ink); }
  .warning { color: var(--ink); background: var(--danger-soft); border-left: 4px solid var(--danger); padding: .6rem .8rem; border-radius: 6px; }
  .note { font-size: .9rem; }
  .code { font: 700 2.2rem/1.2 ui-monospace, SFMono-Regular, Menlo, monospace; letter-spacing: .14em; text-indent: .14em; text-align: center;
          color: var(--ink); border: 2px dashed var(--line); border-radius: 10px; padding: .5rem; margin: .25rem 0 1rem; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 1rem 0; }
  dl.facts dt { font-weight: 600; color: var(--muted); }
  dl.facts dd { margin: 0; }
  fieldset { border: 1px solid var(--line); border-radius: 10px; margin: 1rem 0 0; padding: .5rem 1rem; }
  label.option { display: flex; gap: .5rem; align-items: center; font-weight: 500; margin: .4rem 0; }
  button.decline { background: var(--danger); border-color: var(--danger); color: var(--accent-ink); }
  .badge { display: inline-block; font-size: .8rem; font-weight: 800; letter-spacing: .14em; text-transform: uppercase; color: var(--accent); }
</style>
</head>
<body>
<main>
<div class="brand" aria-hidden="true">${BRAND_MARK}<span>Boarding Pass</span></div>
${body}
</main>
</body>
</html>`
}
