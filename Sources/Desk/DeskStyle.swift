import DeskHTTP

/// The desk's one style sheet, served from `/style.css` (the Content-Security-Policy allows no inline style).
/// System fonts, relative sizes so that 200% zoom reflows instead of clipping, a focus ring on everything that
/// takes focus, and colours with a contrast of at least 4.5:1 on white (WCAG 2.1 AA).
enum DeskStyle {
    static let css = """
        :root { --ink: #1b1b1b; --muted: #4a4a4a; --accent: #0b4f8a; --line: #c8c8c8; --warn: #8a1c00; --ok: #1d5e20; }
        * { box-sizing: border-box; }
        body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 1.0625rem;
          line-height: 1.5; color: var(--ink); background: #fff; }
        .skip { position: absolute; left: -9999px; }
        .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 1; }
        header { display: flex; flex-wrap: wrap; gap: .5rem 2rem; align-items: center; padding: .75rem 1rem;
          border-bottom: 2px solid var(--accent); }
        .brand { font-weight: 700; font-size: 1.25rem; margin: 0; color: var(--accent); }
        nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; margin: 0; padding: 0; }
        nav a { color: var(--accent); font-weight: 600; }
        nav a[aria-current="page"] { color: var(--ink); text-decoration-thickness: 3px; }
        .who { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-left: auto; }
        .who p { margin: 0; color: var(--muted); }
        main { max-width: 60rem; padding: 1rem; }
        h1 { font-size: 1.75rem; margin: .5rem 0 1rem; }
        h2 { font-size: 1.3rem; margin: 1.5rem 0 .5rem; }
        .card { border: 1px solid var(--line); border-radius: .4rem; padding: 1rem; margin: 0 0 1rem; }
        .card h2, .card h3 { margin-top: 0; }
        .card.overdue { border-left: .4rem solid var(--warn); }
        .card.crisis { border-left: .4rem solid var(--warn); }
        dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .25rem 1rem; margin: .5rem 0; }
        dt { font-weight: 600; color: var(--muted); }
        dd { margin: 0; overflow-wrap: anywhere; }
        @media (max-width: 30rem) { dl { grid-template-columns: minmax(0, 1fr); } dd { margin-bottom: .4rem; } }
        main, .card, p, h1, h2 { overflow-wrap: break-word; }
        .due { font-weight: 600; }
        .late { color: var(--warn); font-weight: 700; }
        .actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin-top: .75rem; }
        button, .button { font: inherit; padding: .5rem 1rem; border-radius: .3rem; border: 2px solid var(--accent);
          background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
        button.secondary, .button.secondary, .who button { background: #fff; color: var(--accent); }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus, textarea:focus, main:focus-visible {
          outline: 3px solid #f2a900; outline-offset: 2px; }
        fieldset { border: 1px solid var(--line); border-radius: .3rem; margin: 0 0 1rem; }
        legend { font-weight: 600; }
        label { display: block; margin: .25rem 0; }
        input[type="date"], select, textarea { font: inherit; padding: .35rem; border: 1px solid var(--muted);
          border-radius: .25rem; max-width: 100%; }
        textarea { width: 100%; min-height: 5rem; }
        .notice { background: #e8f3e8; border-left: .4rem solid var(--ok); padding: .5rem 1rem; }
        .error { background: #fbeae5; border-left: .4rem solid var(--warn); padding: .5rem 1rem; }
        .messages { background: #fff8e1; border: 1px solid #e0c060; border-radius: .4rem; padding: .5rem 1rem; }
        .hint, .role { color: var(--muted); }
        .people { list-style: none; padding: 0; }
        .people li { margin: .35rem 0; }
        .people form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        input[type="text"] { font: inherit; padding: .4rem; border: 1px solid var(--muted); border-radius: .25rem;
          width: 24rem; max-width: 100%; letter-spacing: .05em; }
        button.danger { background: var(--warn); border-color: var(--warn); }
        footer { margin-top: 2rem; }
        table.disclosures { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
        table.disclosures caption { text-align: start; font-weight: 600; padding: .25rem 0; }
        table.disclosures th, table.disclosures td { text-align: start; vertical-align: top; padding: .35rem .5rem;
          border-bottom: 1px solid var(--line); }
        @media (max-width: 30rem) {
          table.disclosures thead { position: absolute; left: -9999px; }
          table.disclosures tr { display: block; border-bottom: 1px solid var(--line); padding: .35rem 0; }
          table.disclosures td { display: block; border: 0; padding: .1rem 0; }
          table.disclosures td::before { content: attr(data-label) ": "; font-weight: 600; color: var(--muted); } }
        """

    static let response = HTTPResponse(
        status: 200,
        headers: [("Content-Type", "text/css; charset=utf-8"), ("Cache-Control", "max-age=3600")],
        body: Array(css.utf8))
}
