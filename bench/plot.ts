// deno-lint-ignore-file no-console
/**
 * Draws the load bench's sweep: broadcast latency and hub RSS against the
 * number of held agents, one line per hub.
 *
 * ```sh
 * deno run -A bench/plot.ts --in load.json [--in more.json] \
 *   --svg docs/performance-load.svg [--png docs/performance-load.png] \
 *   [--title "…"]
 * ```
 *
 * `--in` takes the JSON that `bench/load.ts --out` writes; give it several
 * times to put hubs from separate runs on one chart (a hub that appears twice
 * is drawn from the last file). `--label arc-deno="Arc (ours)"` renames a
 * hub in the legend; hubs are keyed by the `implementation` they report. The
 * chart is plain SVG written by hand, so
 * the script needs no packages. With `--png` it also renders the SVG to a PNG
 * with a headless Chromium (`--chromium PATH`, default `chromium`).
 *
 * Points are the median over the rounds at that agent count. A hollow marker
 * means the broadcast did not reach every held agent within the bench's
 * deadline (or not every agent connected); its label says how many it
 * reached. The dashed lines are the targets (250 ms, 150 MB).
 *
 * @module
 */

const USAGE = `usage: deno run -A bench/plot.ts --in FILE [--in FILE ...]
         --svg OUT.svg [--png OUT.png] [--title TEXT] [--chromium PATH]
         [--label IMPLEMENTATION=TEXT ...]`;

interface SummaryPoint {
  agents: number;
  broadcast_all_ms: number | null;
  rss_held_mb: number | null;
  reached: string;
  connected: string;
  complete: boolean;
}

interface Series {
  name: string;
  points: SummaryPoint[];
}

interface Options {
  inputs: string[];
  labels: Map<string, string>;
  svg: string;
  png: string | undefined;
  title: string;
  chromium: string;
}

const COLORS = ["#1f6feb", "#d1242f", "#1a7f37", "#8250df", "#bf8700"];
const TARGET_MS = 250;
const TARGET_MB = 150;

function parseArgs(args: string[]): Options {
  const opts: Options = {
    inputs: [],
    labels: new Map(),
    svg: "",
    png: undefined,
    title: "Arc hubs under many held agents (N long-polls + N SSE streams)",
    chromium: "chromium",
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    if (arg === "-h" || arg === "--help") {
      console.log(USAGE);
      Deno.exit(0);
    }
    if (value === undefined) {
      console.error(`error: ${arg} needs a value\n\n${USAGE}`);
      Deno.exit(2);
    }
    i++;
    if (arg === "--in") opts.inputs.push(value);
    else if (arg === "--svg") opts.svg = value;
    else if (arg === "--png") opts.png = value;
    else if (arg === "--title") opts.title = value;
    else if (arg === "--chromium") opts.chromium = value;
    else if (arg === "--label" && value.includes("=")) {
      const eq = value.indexOf("=");
      opts.labels.set(value.slice(0, eq), value.slice(eq + 1));
    } else {
      console.error(`error: unknown option ${arg}\n\n${USAGE}`);
      Deno.exit(2);
    }
  }
  if (opts.inputs.length === 0 || !opts.svg) {
    console.error(`error: --in and --svg are required\n\n${USAGE}`);
    Deno.exit(2);
  }
  return opts;
}

async function loadSeries(
  files: string[],
  labels: Map<string, string>,
): Promise<Series[]> {
  const byName = new Map<string, Series>();
  for (const file of files) {
    const json = JSON.parse(await Deno.readTextFile(file)) as {
      hubs: {
        implementation: string | null;
        url: string;
        summary: SummaryPoint[];
      }[];
    };
    for (const h of json.hubs) {
      const key = h.implementation ?? h.url;
      byName.set(key, {
        name: labels.get(key) ?? key,
        points: h.summary ?? [],
      });
    }
  }
  return [...byName.values()];
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

interface Panel {
  x: number;
  y: number;
  w: number;
  h: number;
  title: string;
  yLabel: string;
  log: boolean;
  target: number;
  targetLabel: string;
  value: (p: SummaryPoint) => number | null;
  fmt: (v: number) => string;
}

function niceLogTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (
    let e = Math.floor(Math.log10(min));
    e <= Math.ceil(Math.log10(max));
    e++
  ) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

function niceLinearTicks(max: number): number[] {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ??
    raw;
  const ticks: number[] = [0];
  while ((ticks[ticks.length - 1] ?? 0) < max - 1e-9) {
    ticks.push((ticks[ticks.length - 1] ?? 0) + step);
  }
  return ticks;
}

function drawPanel(p: Panel, series: Series[], xs: number[]): string {
  const out: string[] = [];
  const padL = 70, padR = 30, padT = 40, padB = 50;
  const plotW = p.w - padL - padR;
  const plotH = p.h - padT - padB;
  const x0 = p.x + padL;
  const y0 = p.y + padT;
  const values = series.flatMap((s) =>
    s.points.map(p.value).filter((v): v is number => v !== null && v > 0)
  );
  values.push(p.target);
  let yMin: number, yMax: number;
  if (p.log) {
    const steps = (e: number) => [1, 2, 5].map((m) => m * 10 ** e);
    const lo = Math.min(...values) * 0.9;
    const hi = Math.max(...values) * 1.1;
    yMin = steps(Math.floor(Math.log10(lo))).filter((v) => v <= lo).pop() ??
      10 ** Math.floor(Math.log10(lo));
    yMax = [
      ...steps(Math.floor(Math.log10(hi))),
      ...steps(Math.floor(Math.log10(hi)) + 1),
    ].find((v) => v >= hi) ?? hi;
  } else {
    yMin = 0;
    const ticks = niceLinearTicks(Math.max(...values) * 1.1);
    yMax = ticks[ticks.length - 1] ?? 1;
  }
  const xMin = Math.min(...xs), xMax = Math.max(...xs);
  const sx = (v: number) =>
    x0 + (Math.log10(v) - Math.log10(xMin)) /
      (Math.log10(xMax) - Math.log10(xMin) || 1) * plotW;
  const sy = (v: number) =>
    p.log
      ? y0 + plotH -
        (Math.log10(v) - Math.log10(yMin)) /
          (Math.log10(yMax) - Math.log10(yMin)) * plotH
      : y0 + plotH - (v - yMin) / (yMax - yMin) * plotH;

  out.push(
    `<text x="${p.x + p.w / 2}" y="${
      p.y + 22
    }" text-anchor="middle" font-size="17" font-weight="600">${
      esc(p.title)
    }</text>`,
  );
  // grid and axes
  const yTicks = p.log ? niceLogTicks(yMin, yMax) : niceLinearTicks(yMax);
  for (const t of yTicks) {
    const y = sy(t);
    out.push(
      `<line x1="${x0}" x2="${
        x0 + plotW
      }" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`,
      `<text x="${x0 - 8}" y="${
        y + 4
      }" text-anchor="end" font-size="13" fill="#444">${p.fmt(t)}</text>`,
    );
  }
  for (const v of xs) {
    const x = sx(v);
    out.push(
      `<line x1="${x}" x2="${x}" y1="${y0}" y2="${
        y0 + plotH
      }" stroke="#f0f0f0"/>`,
      `<text x="${x}" y="${
        y0 + plotH + 20
      }" text-anchor="middle" font-size="13" fill="#444">${v}</text>`,
    );
  }
  out.push(
    `<rect x="${x0}" y="${y0}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${x0 + plotW / 2}" y="${
      y0 + plotH + 42
    }" text-anchor="middle" font-size="14">agents held (N long-polls + N streams)</text>`,
    `<text transform="translate(${p.x + 18},${
      y0 + plotH / 2
    }) rotate(-90)" text-anchor="middle" font-size="14">${
      esc(p.yLabel)
    }</text>`,
  );
  // target
  const ty = sy(p.target);
  out.push(
    `<line x1="${x0}" x2="${
      x0 + plotW
    }" y1="${ty}" y2="${ty}" stroke="#555" stroke-dasharray="6 4"/>`,
    `<text x="${x0 + 6}" y="${ty - 6}" font-size="12" fill="#555">${
      esc(p.targetLabel)
    }</text>`,
  );
  // series
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points
      .map((pt) => ({ pt, v: p.value(pt) }))
      .filter((q): q is { pt: SummaryPoint; v: number } =>
        q.v !== null && q.v > 0
      )
      .sort((a, b) => a.pt.agents - b.pt.agents);
    if (pts.length > 1) {
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2.5" points="${
          pts.map((q) => `${sx(q.pt.agents)},${sy(q.v)}`).join(" ")
        }"/>`,
      );
    }
    for (const q of pts) {
      const cx = sx(q.pt.agents), cy = sy(q.v);
      out.push(
        q.pt.complete
          ? `<circle cx="${cx}" cy="${cy}" r="5" fill="${color}"/>`
          : `<circle cx="${cx}" cy="${cy}" r="6" fill="white" stroke="${color}" stroke-width="2.5"/>`,
      );
      if (!q.pt.complete && p.log) {
        const reached = q.pt.reached.split(" ")[0] ?? "";
        out.push(
          `<text x="${cx}" y="${
            cy + 22
          }" text-anchor="middle" font-size="12" fill="${color}">${
            esc(reached)
          }</text>`,
        );
      }
    }
  });
  return out.join("\n");
}

function render(series: Series[], title: string): string {
  const W = 1200, H = 620;
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.agents)))]
    .sort((a, b) => a - b);
  const panels: Panel[] = [
    {
      x: 0,
      y: 50,
      w: W / 2,
      h: H - 110,
      title: "Post until every held agent has the broadcast",
      yLabel: "milliseconds (log scale)",
      log: true,
      target: TARGET_MS,
      targetLabel: `target ${TARGET_MS} ms`,
      value: (p) => p.broadcast_all_ms,
      fmt: (v) => (v >= 1000 ? `${v / 1000} s` : `${v}`),
    },
    {
      x: W / 2,
      y: 50,
      w: W / 2,
      h: H - 110,
      title: "Hub resident memory while they are held",
      yLabel: "RSS (MB)",
      log: false,
      target: TARGET_MB,
      targetLabel: `target ${TARGET_MB} MB`,
      value: (p) => p.rss_held_mb,
      fmt: (v) => `${v}`,
    },
  ];
  const legend = series.map((s, i) => {
    const x = 80 + i * 250;
    return `<circle cx="${x}" cy="${H - 28}" r="6" fill="${
      COLORS[i % COLORS.length]
    }"/><text x="${x + 12}" y="${H - 23}" font-size="14">${esc(s.name)}</text>`;
  }).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${
    W / 2
  }" y="30" text-anchor="middle" font-size="20" font-weight="700">${
    esc(title)
  }</text>
${panels.map((p) => drawPanel(p, series, xs)).join("\n")}
${legend}
<circle cx="${80 + series.length * 250}" cy="${
    H - 28
  }" r="6" fill="white" stroke="#333" stroke-width="2"/><text x="${
    92 + series.length * 250
  }" y="${H - 23}" font-size="14">hollow: not everyone got it in time</text>
</svg>
`;
}

async function main(): Promise<void> {
  const opts = parseArgs(Deno.args);
  const series = await loadSeries(opts.inputs, opts.labels);
  const svg = render(series, opts.title);
  await Deno.writeTextFile(opts.svg, svg);
  console.error(`wrote ${opts.svg}`);
  if (opts.png) {
    const html = await Deno.makeTempFile({ suffix: ".html" });
    await Deno.writeTextFile(
      html,
      `<!doctype html><html><body style="margin:0">${svg}</body></html>`,
    );
    const profile = await Deno.makeTempDir();
    const out = await new Deno.Command(opts.chromium, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--hide-scrollbars",
        `--user-data-dir=${profile}`,
        `--screenshot=${
          opts.png.startsWith("/")
            ? opts.png
            : `${await Deno.realPath(".")}/${opts.png}`
        }`,
        "--window-size=1200,620",
        `file://${html}`,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    await Deno.remove(html);
    await Deno.remove(profile, { recursive: true });
    if (!out.success) {
      console.error(new TextDecoder().decode(out.stderr));
      Deno.exit(1);
    }
    console.error(`wrote ${opts.png}`);
  }
}

if (import.meta.main) {
  await main();
}
