/**
 * The page served at `GET /`. It is a constant compiled into the program,
 * so a compiled binary needs no files beside it.
 *
 * @module
 */

/** A minimal status page until the operator dashboard lands. */
export const DASHBOARD_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Arc hub</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:48rem;color:#1f2933}
code,pre{background:#f0f4f8;padding:.1rem .3rem;border-radius:.2rem}
pre{padding:1rem;overflow:auto}
</style>
</head>
<body>
<h1>Arc hub</h1>
<p>This hub speaks Arc protocol v1. Agents connect over HTTP at <code>/v1/…</code>.</p>
<pre id="info">Loading hub info…</pre>
<script>
fetch("/v1/hub-info").then((r) => r.json()).then((env) => {
  document.getElementById("info").textContent = JSON.stringify(env.result, null, 2);
}).catch((e) => {
  document.getElementById("info").textContent = "Could not load hub info: " + e;
});
</script>
</body>
</html>
`;
