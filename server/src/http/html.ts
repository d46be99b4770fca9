/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

/**
 * A small self-contained HTML page in the product's look: no script, inline
 * styles only (allowed by a per-page CSP hash-free `style-src 'unsafe-inline'`
 * on these server-rendered pages, which carry no user script).
 */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)} · Boarding Pass</title>
<style>
  :root { color-scheme: light dark; --ink: #14213d; --muted: #4a5568; --paper: #f7f4ee; --card: #fff; --accent: #1d4ed8; --danger: #b91c1c; }
  @media (prefers-color-scheme: dark) { :root { --ink: #f1f5f9; --muted: #cbd5e1; --paper: #0f172a; --card: #1e293b; --accent: #93c5fd; --danger: #fca5a5; } }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--paper); color: var(--ink);
         font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; padding: 1rem; }
  main { width: min(28rem, 100%); background: var(--card); border-radius: 1rem; padding: 2rem; box-shadow: 0 10px 30px rgb(0 0 0 / .12); }
  h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
  p { color: var(--muted); margin: .5rem 0 1rem; }
  label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
  input[type=text] { width: 100%; font: inherit; padding: .7rem .8rem; border: 2px solid var(--muted); border-radius: .5rem; background: transparent; color: inherit; }
  input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
  .actions { display: flex; gap: .75rem; margin-top: 1.25rem; flex-wrap: wrap; }
  button { flex: 1 1 8rem; font: inherit; font-weight: 600; padding: .75rem 1rem; border-radius: .5rem; cursor: pointer; border: 2px solid var(--accent); }
  button.primary { background: var(--accent); color: var(--card); }
  button.secondary { background: transparent; color: var(--ink); border-color: var(--ink); }
  .error { color: var(--danger); font-weight: 600; }
  .warning { color: var(--ink); background: color-mix(in srgb, var(--danger) 12%, transparent); border-left: 4px solid var(--danger); padding: .6rem .8rem; border-radius: .25rem; }
  .note { font-size: .9rem; }
  .code { font: 700 2rem/1.2 ui-monospace, SFMono-Regular, Menlo, monospace; letter-spacing: .12em; text-align: center; color: var(--ink); margin: .25rem 0 1rem; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 1rem 0; }
  dl.facts dt { font-weight: 600; color: var(--muted); }
  dl.facts dd { margin: 0; }
  fieldset { border: 1px solid var(--muted); border-radius: .5rem; margin: 1rem 0 0; padding: .5rem 1rem; }
  label.option { display: flex; gap: .5rem; align-items: center; font-weight: 500; margin: .4rem 0; }
  button.decline { background: var(--danger); border-color: var(--danger); color: var(--card); }
  .badge { display: inline-block; font-size: .75rem; font-weight: 700; letter-spacing: .08em; text-transform: uppercase; color: var(--muted); }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`
}
