"""One self-contained HTML dashboard of a corpus: categories per community, indicator comparison, targets
beside achieved values, and audit findings with their source lines; filters by community and category.

The charts are drawn by Plotly (plotly.js, embedded inline from the ``plotly`` Python package: the
optional extra ``dashboard``), so the file needs no network when it is opened. ``dashboard_data`` gives
the numbers as plain JSON (the same as ``compare.pivot``), ``render`` writes the page around them.

After the page has drawn its charts it sets ``data-rendered="ok"`` on ``<html>`` and writes what each
chart holds (trace names, categories and values) into ``<script id="rendered-state">``; script errors are
caught into ``<pre id="script-errors">``. The headless-browser test reads both.
"""
from __future__ import annotations

import html
import json
import math
from collections import Counter, defaultdict
from importlib import resources
from typing import Any

from ..nlp.errors import ReportminerError
from .compare import Corpus, group_of, long_values
from .indicators import by_id, indicator_of
from .sources import SourceLines

SOURCE_WINDOW = 40  # characters of the source line shown on each side of a finding's span


class DashboardError(ReportminerError):
    """The dashboard cannot be written (plotly is not installed …)."""


def plotly_js() -> str:
    """The minified plotly.js that the ``plotly`` package ships (package data, no network)."""
    try:
        return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise DashboardError("the dashboard needs plotly: pip install 'reportminer[dashboard]'") from error


# --------------------------------------------------------------------------- data


def _excerpt(raw: str | None, start: int | None, end: int | None) -> dict[str, str]:
    """The source line around a span: text before, the span, text after (cut to SOURCE_WINDOW each side)."""
    if raw is None:
        return {"before": "", "span": "", "after": ""}
    if start is None or end is None or not 0 <= start <= end <= len(raw):
        text = raw.strip()
        return {"before": text if len(text) <= 3 * SOURCE_WINDOW else text[:3 * SOURCE_WINDOW] + "…",
                "span": "", "after": ""}
    left, right = max(0, start - SOURCE_WINDOW), min(len(raw), end + SOURCE_WINDOW)
    return {"before": ("…" if left else "") + raw[left:start].lstrip(), "span": raw[start:end] or "▯",
            "after": raw[end:right].rstrip() + ("…" if right < len(raw) else "")}


def _number(value: Any) -> float | int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def dashboard_data(corpus: Corpus, by: str = "org", title: str | None = None) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready values (lists aligned with ``communities``)."""
    from ..nlp.classify import taxonomy

    long = long_values(corpus, by, activities=True)
    documents = corpus.documents
    communities: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for document in documents:
        label, fallback = group_of(document, by)
        if label not in index:
            index[label] = len(communities)
            communities.append({"name": label, "is_doc": fallback, "docs": [], "titles": []})
        communities[index[label]]["docs"].append(document.doc)
        communities[index[label]]["titles"].append(document.title or "(untitled)")
    size = len(communities)
    cells = {(row.group, row.kind, row.key, row.modality): (row.value, row.figures) for row in long.itertuples()}
    zh = {c.id: c.zh for c in taxonomy()}
    present = {row.key for row in long.itertuples() if row.kind == "activities"}
    categories = [{"id": c.id, "zh": c.zh} for c in taxonomy() if c.id in present]
    counts = {c["id"]: [int(cells.get((g["name"], "activities", c["id"], "count"), (0, 0))[0]) for g in communities]
              for c in categories}
    table = by_id()
    reported = [i for i in table.values()
                if any(k == "indicator" and key == i.id for (_, k, key, _) in cells)]
    indicator_rows = []
    for indicator in reported:
        row: dict[str, Any] = {"id": indicator.id, "zh": indicator.zh, "unit": indicator.unit, "agg": indicator.agg,
                               "category": indicator.category, "category_zh": zh.get(indicator.category, "")}
        for modality in ("achieved", "target"):
            values = [cells.get((g["name"], "indicator", indicator.id, modality)) for g in communities]
            row[modality] = [_number(v[0]) if v else None for v in values]
            row[f"{modality}_figures"] = [v[1] if v else 0 for v in values]
        indicator_rows.append(row)
    return {
        "title": title or "reportminer dashboard",
        "source": corpus.source,
        "by": by,
        "summary": {"documents": len(documents), "communities": size, "figures": len(corpus.figures),
                    "figures_with_indicator": sum(1 for f in corpus.figures if indicator_of(f) is not None),
                    "activities": len(corpus.activities), "findings": len(corpus.findings),
                    "errors": len(corpus.errors)},
        "communities": communities,
        "categories": categories,
        "activity_counts": counts,
        "indicators": indicator_rows,
        "findings": _findings(corpus, by, index),
        "severity_counts": dict(Counter(f.severity for f in corpus.findings)),
    }


def _findings(corpus: Corpus, by: str, index: dict[str, int]) -> list[dict[str, Any]]:
    """Findings with their community, category (of the figures they concern, else of their line) and source."""
    documents = {(d.file, d.doc): d for d in corpus.documents}
    figure_category = {f"{f.doc}:{f.line}:{f.start}": f.category for f in corpus.figures}
    line_votes: dict[tuple[str, int], Counter] = defaultdict(Counter)
    for activity in corpus.activities:
        line_votes[(activity.doc, activity.line)][activity.category] += 1
    sources = SourceLines(corpus.extractions)
    out = []
    for finding in corpus.findings:
        document = documents.get((finding.file, finding.doc))
        label = group_of(document, by)[0] if document is not None else f"(doc) {finding.doc}"
        category = next((figure_category[r] for r in finding.records if figure_category.get(r)), None)
        if category is None and finding.line is not None and line_votes.get((finding.doc, finding.line)):
            category = line_votes[(finding.doc, finding.line)].most_common(1)[0][0]
        out.append({
            "community": index.get(label), "community_name": label, "doc": finding.doc,
            "title": (document.title if document is not None else None) or "(untitled)",
            "file": finding.file, "line": finding.line, "severity": finding.severity, "check": finding.check,
            "message": finding.message, "detail": finding.detail, "category": category,
            **_excerpt(sources.line(finding.file, finding.line), finding.start, finding.end),
        })
    return out


# --------------------------------------------------------------------------- page


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\u0021--")


def _inline_js(source: str) -> str:
    """JavaScript safe inside a <script> element."""
    return source.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def render(data: dict[str, Any], js: str | None = None) -> str:
    """The HTML page: plotly.js, the data and the app, all inline."""
    js = plotly_js() if js is None else js
    return (_PAGE.replace("{{TITLE}}", html.escape(data["title"]))
            .replace("{{STYLE}}", _STYLE)
            .replace("{{PLOTLY}}", _inline_js(js))
            .replace("{{DATA}}", _script_json(data))
            .replace("{{APP}}", _inline_js(_APP)))


def write_dashboard(corpus: Corpus, out: str, by: str = "org", title: str | None = None) -> dict[str, Any]:
    """Write the dashboard of a corpus to ``out``; returns the data it shows."""
    data = dashboard_data(corpus, by, title)
    page = render(data)
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(page)
    return data


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>{{STYLE}}</style>
<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message || e)); });
window.addEventListener("unhandledrejection", function (e) { window.__errors.push("unhandled rejection: " + String(e.reason)); });
</script>
<script>{{PLOTLY}}</script>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div id="source" class="muted"></div>
  <div id="summary" class="summary"></div>
</header>
<div class="layout">
<aside>
  <section>
    <h3>社区 Communities <span class="links"><a href="#" data-all="community">all</a> · <a href="#" data-none="community">none</a></span></h3>
    <div id="filter-community" class="checks"></div>
  </section>
  <section>
    <h3>类别 Categories <span class="links"><a href="#" data-all="category">all</a> · <a href="#" data-none="category">none</a></span></h3>
    <div id="filter-category" class="checks"></div>
  </section>
  <p class="muted small">Rows marked <i>(doc)</i> are documents that name no organisation: each stands alone.
  Counts and amounts are summed per community, rates (%) averaged, standing facts (staff, population) take the largest figure.</p>
</aside>
<main>
  <div class="card">
    <h2>各类工作 Activities per category</h2>
    <p class="muted small">Sentences of each community's reports, by taxonomy category.</p>
    <div id="chart-categories" class="chart"></div>
  </div>
  <div class="card">
    <h2>指标对比 Indicator comparison</h2>
    <p class="muted small">Achieved values in each indicator's unit (万 = 10<sup>4</sup>); the colour scales each indicator to its largest community. Indicators reported by the most communities first.</p>
    <div id="chart-heatmap" class="chart"></div>
    <p id="heatmap-note" class="muted small"></p>
  </div>
  <div class="card">
    <h2>目标与完成 Targets vs achieved</h2>
    <div class="controls"><label for="indicator-select">指标 Indicator</label> <select id="indicator-select"></select> <span id="indicator-note" class="muted small"></span></div>
    <div id="chart-targets" class="chart"></div>
  </div>
  <div class="card">
    <h2>审核发现 Audit findings <span id="findings-count" class="muted small"></span></h2>
    <table id="findings"><colgroup><col class="c-who"><col class="c-sev"><col class="c-check"><col class="c-msg"><col class="c-src"></colgroup><thead><tr><th>社区 Community</th><th>Severity</th><th>Check</th><th>Message</th><th>Source line</th></tr></thead><tbody></tbody></table>
  </div>
</main>
</div>
<pre id="script-errors" hidden></pre>
<script id="dashboard-data" type="application/json">{{DATA}}</script>
<script id="rendered-state" type="application/json">{}</script>
<script>{{APP}}</script>
</body>
</html>
"""

_STYLE = """
:root { --fg:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --accent:#2f6fdf; }
* { box-sizing: border-box; }
body { margin:0; font-family: "Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",system-ui,sans-serif; color:var(--fg); background:var(--bg); font-size:14px; }
header { padding:18px 28px 12px; background:#fff; border-bottom:1px solid var(--line); }
h1 { margin:0 0 4px; font-size:22px; }
h2 { margin:0 0 4px; font-size:16px; }
h3 { margin:0 0 6px; font-size:13px; display:flex; justify-content:space-between; }
.muted { color:var(--muted); } .small { font-size:12px; }
.summary { display:flex; gap:10px; margin-top:10px; flex-wrap:wrap; }
.summary div { background:var(--bg); border:1px solid var(--line); border-radius:6px; padding:6px 12px; }
.summary b { font-size:18px; display:block; }
.layout { display:flex; gap:18px; padding:18px 28px; align-items:flex-start; }
aside { width:250px; flex:none; background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px; position:sticky; top:12px; }
aside section { margin-bottom:14px; }
.checks { max-height:300px; overflow:auto; border:1px solid var(--line); border-radius:4px; padding:4px 6px; }
.checks label { display:block; font-size:12px; line-height:1.7; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.checks label.doc { color:var(--muted); font-style:italic; }
.links a { color:var(--accent); text-decoration:none; font-weight:normal; }
main { flex:1; min-width:0; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:14px 16px; margin-bottom:16px; }
.chart { width:100%; }
.controls { margin:6px 0; }
select { font:inherit; padding:2px 4px; max-width:420px; }
table { border-collapse:collapse; width:100%; font-size:12px; table-layout:fixed; }
col.c-who { width:20%; } col.c-sev { width:8%; } col.c-check { width:11%; } col.c-msg { width:28%; } col.c-src { width:33%; }
td .muted { word-break:break-all; }
th, td { text-align:left; border-bottom:1px solid var(--line); padding:5px 6px; vertical-align:top; }
th { background:var(--bg); }
td.src { font-family: inherit; color:#3e4c59; }
mark { background:#ffe08a; padding:0 1px; }
.sev { display:inline-block; border-radius:3px; padding:0 6px; color:#fff; font-size:11px; }
.sev.error { background:#d64545; } .sev.warning { background:#e8a33d; } .sev.info { background:#8896a8; }
.empty { color:var(--muted); padding:18px; text-align:center; }
"""

_APP = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var PALETTE = ["#4e79a7","#f28e2b","#e15759","#76b7b2","#59a14f","#edc948","#b07aa1","#ff9da7","#9c755f",
                 "#bab0ac","#1f77b4","#aec7e8","#ff7f0e","#2ca02c","#98df8a","#d62728","#9467bd","#8c564b",
                 "#e377c2","#c7c7c7"];
  var FONT = {family: '"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif', size: 12};
  var CONFIG = {displaylogo: false, responsive: true, displayModeBar: "hover", modeBarButtonsToRemove: ["lasso2d", "select2d"]};
  var AGG = {sum: "summed", mean: "averaged", max: "largest figure"};
  var colour = {};
  data.categories.forEach(function (c, i) { colour[c.id] = c.id === "general" ? "#c7ccd4" : PALETTE[i % PALETTE.length]; });
  var state = {community: new Set(data.communities.map(function (_, i) { return i; })),
               category: new Set(data.categories.map(function (c) { return c.id; }))};
  var rendered = {};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  var MAX_HEATMAP = 14;
  function heatmapNote(text) { document.getElementById("heatmap-note").textContent = text; }
  function short(v) {
    if (v === null || v === undefined) return "";
    var a = Math.abs(v);
    if (a >= 1e8) return String(Math.round(v / 1e6) / 100) + "亿";
    if (a >= 1e4) return String(Math.round(v / 1e3) / 10) + "万";
    return String(Math.round(v * 10) / 10);
  }
  function fmt(v) {
    if (v === null || v === undefined) return "";
    if (Math.abs(v) >= 1e4 && Number.isInteger(v)) return v.toLocaleString("en-US");
    return String(Math.round(v * 100) / 100);
  }
  function selectedCommunities() {
    return data.communities.map(function (c, i) { return i; }).filter(function (i) { return state.community.has(i); });
  }
  function selectedCategories() {
    return data.categories.filter(function (c) { return state.category.has(c.id); });
  }
  function height(rows) { return Math.max(260, 90 + rows * 26); }

  function header() {
    document.getElementById("title").textContent = data.title;
    document.getElementById("source").textContent = "Source: " + data.source + " · rows by " + data.by;
    var s = data.summary, box = document.getElementById("summary");
    [["documents", s.documents], ["communities", s.communities], ["figures", s.figures],
     ["with an indicator", s.figures_with_indicator], ["activities", s.activities], ["audit findings", s.findings]]
      .forEach(function (pair) { var d = el("div"); d.appendChild(el("b", {}, fmt(pair[1]))); d.appendChild(document.createTextNode(pair[0])); box.appendChild(d); });
  }

  function filters() {
    var box = document.getElementById("filter-community");
    data.communities.forEach(function (c, i) {
      var label = el("label", {title: c.name + " — " + c.titles.join("; ")});
      if (c.is_doc) label.className = "doc";
      var input = el("input", {type: "checkbox", "data-kind": "community", value: String(i)});
      input.checked = true;
      label.appendChild(input); label.appendChild(document.createTextNode(" " + c.name));
      box.appendChild(label);
    });
    box = document.getElementById("filter-category");
    data.categories.forEach(function (c) {
      var label = el("label");
      var input = el("input", {type: "checkbox", "data-kind": "category", value: c.id});
      input.checked = true;
      var swatch = el("span", {style: "display:inline-block;width:9px;height:9px;margin:0 4px;background:" + colour[c.id]});
      label.appendChild(input); label.appendChild(swatch); label.appendChild(document.createTextNode(c.zh));
      box.appendChild(label);
    });
    document.querySelectorAll("aside input[type=checkbox]").forEach(function (input) {
      input.addEventListener("change", function () {
        var kind = input.getAttribute("data-kind");
        var value = kind === "community" ? Number(input.value) : input.value;
        if (input.checked) state[kind].add(value); else state[kind].delete(value);
        update();
      });
    });
    document.querySelectorAll("a[data-all], a[data-none]").forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        var kind = a.getAttribute("data-all") || a.getAttribute("data-none"), on = a.hasAttribute("data-all");
        document.querySelectorAll("input[data-kind=" + kind + "]").forEach(function (input) {
          input.checked = on;
          var value = kind === "community" ? Number(input.value) : input.value;
          if (on) state[kind].add(value); else state[kind].delete(value);
        });
        update();
      });
    });
  }

  function empty(id, message) {
    var node = document.getElementById(id);
    Plotly.purge(node);
    node.innerHTML = "";
    node.appendChild(el("div", {"class": "empty"}, message));
    rendered[id] = [];
  }
  function record(id, traces) {
    rendered[id] = traces.map(function (t) { return {name: t.name || "", x: t.x, y: t.y, z: t.z, text: t.text, customdata: t.customdata}; });
  }

  function categoriesChart() {
    var rows = selectedCommunities().slice().reverse(), cats = selectedCategories();
    if (!rows.length || !cats.length) return empty("chart-categories", "Nothing selected.");
    var names = rows.map(function (i) { return data.communities[i].name; });
    var traces = cats.map(function (c) {
      var x = rows.map(function (i) { return data.activity_counts[c.id][i]; });
      return {type: "bar", orientation: "h", name: c.zh, y: names, x: x, marker: {color: colour[c.id]},
              hovertemplate: "%{y}<br>" + c.zh + ": %{x}<extra></extra>"};
    });
    var totals = rows.map(function (i) { return cats.reduce(function (sum, c) { return sum + data.activity_counts[c.id][i]; }, 0); });
    var annotations = rows.map(function (i, k) {
      return {x: totals[k], y: names[k], text: String(totals[k]), xanchor: "left", showarrow: false, xshift: 4,
              font: {size: 11, color: "#616e7c"}};
    });
    Plotly.react("chart-categories", traces, {
      barmode: "stack", height: Math.max(height(rows.length), 22 * cats.length + 40), font: FONT,
      margin: {l: 10, r: 10, t: 28, b: 40}, bargap: 0.25, annotations: annotations,
      yaxis: {automargin: true}, xaxis: {title: {text: "activities (sentences)"}},
      legend: {traceorder: "normal", font: {size: 11}, x: 1.02, y: 1}
    }, CONFIG);
    record("chart-categories", traces);
  }

  function visibleIndicators() {
    var rows = selectedCommunities();
    return data.indicators.filter(function (ind) {
      return state.category.has(ind.category) && rows.some(function (i) { return ind.achieved[i] !== null || ind.target[i] !== null; });
    });
  }

  function heatmap() {
    var rows = selectedCommunities().slice().reverse();
    var inds = visibleIndicators().filter(function (ind) { return rows.some(function (i) { return ind.achieved[i] !== null; }); });
    inds.sort(function (a, b) {
      var ca = rows.filter(function (i) { return a.achieved[i] !== null; }).length;
      var cb = rows.filter(function (i) { return b.achieved[i] !== null; }).length;
      return cb - ca;
    });
    var shown = inds.slice(0, MAX_HEATMAP);
    rows = rows.filter(function (i) { return shown.some(function (ind) { return ind.achieved[i] !== null; }); });
    if (!rows.length || !shown.length) { heatmapNote(""); return empty("chart-heatmap", "No achieved values for this selection."); }
    var z = rows.map(function (i) { return shown.map(function (ind) {
      var v = ind.achieved[i]; if (v === null) return null;
      var top = Math.max.apply(null, rows.map(function (j) { return Math.abs(ind.achieved[j] || 0); }));
      return top ? Math.abs(v) / top : 0; }); });
    var values = rows.map(function (i) { return shown.map(function (ind) { return ind.achieved[i]; }); });
    var text = values.map(function (row) { return row.map(short); });
    var x = shown.map(function (ind) { return ind.zh + " (" + ind.unit + ")"; });
    var y = rows.map(function (i) { return data.communities[i].name; });
    var trace = {type: "heatmap", x: x, y: y, z: z, text: text, customdata: values, texttemplate: "%{text}",
                 textfont: {size: 11}, colorscale: [[0, "#dce8fb"], [1, "#2f6fdf"]], zmin: 0, zmax: 1,
                 showscale: false, xgap: 2, ygap: 2, hoverongaps: false,
                 hovertemplate: "%{y}<br>%{x}: %{customdata}<extra></extra>"};
    Plotly.react("chart-heatmap", [trace], {
      height: 190 + rows.length * 30, font: FONT, margin: {l: 10, r: 10, t: 28, b: 10},
      xaxis: {side: "top", tickangle: -35, automargin: true}, yaxis: {automargin: true}
    }, CONFIG);
    heatmapNote("showing " + shown.length + " of " + inds.length + " indicators with achieved values" +
                (inds.length > shown.length ? " (filter by category to see the others)" : "") +
                "; communities without any of them are left out");
    record("chart-heatmap", [trace]);
  }

  function indicatorSelect() {
    var select = document.getElementById("indicator-select"), previous = select.value;
    var inds = visibleIndicators();
    inds.sort(function (a, b) {
      function score(ind) { return ind.target.filter(function (v, i) { return v !== null && ind.achieved[i] !== null && state.community.has(i); }).length * 100 +
                                    ind.achieved.filter(function (v, i) { return v !== null && state.community.has(i); }).length +
                                    ind.target.filter(function (v, i) { return v !== null && state.community.has(i); }).length; }
      return score(b) - score(a);
    });
    select.innerHTML = "";
    inds.forEach(function (ind) { select.appendChild(el("option", {value: ind.id}, ind.zh + " (" + ind.unit + ") · " + ind.category_zh)); });
    if (inds.some(function (ind) { return ind.id === previous; })) select.value = previous;
    return inds;
  }

  function targetsChart() {
    var inds = indicatorSelect();
    var id = document.getElementById("indicator-select").value;
    var ind = inds.filter(function (i) { return i.id === id; })[0];
    var rows = selectedCommunities().filter(function (i) { return ind && (ind.achieved[i] !== null || ind.target[i] !== null); }).reverse();
    if (!ind || !rows.length) { document.getElementById("indicator-note").textContent = ""; return empty("chart-targets", "No indicator for this selection."); }
    document.getElementById("indicator-note").textContent = "values " + AGG[ind.agg] + " per community, in " + ind.unit;
    var names = rows.map(function (i) { return data.communities[i].name; });
    function trace(modality, label, color) {
      var x = rows.map(function (i) { return ind[modality][i]; });
      var n = rows.map(function (i) { return ind[modality + "_figures"][i]; });
      return {type: "bar", orientation: "h", name: label, y: names, x: x, marker: {color: color},
              text: x.map(fmt), textposition: "outside", cliponaxis: false, customdata: n,
              hovertemplate: "%{y}<br>" + label + ": %{x} " + ind.unit + " (%{customdata} figures)<extra></extra>"};
    }
    var traces = [trace("achieved", "完成 achieved", "#2f6fdf"), trace("target", "目标 target", "#f0a202")];
    Plotly.react("chart-targets", traces, {
      barmode: "group", height: height(rows.length * 1.6), font: FONT, margin: {l: 10, r: 40, t: 28, b: 40},
      yaxis: {automargin: true}, xaxis: {title: {text: ind.zh + " (" + ind.unit + ")"}, rangemode: "tozero"},
      legend: {orientation: "h", y: -0.15}
    }, CONFIG);
    record("chart-targets", traces);
  }

  function findingsTable() {
    var body = document.querySelector("#findings tbody");
    body.innerHTML = "";
    var shown = data.findings.filter(function (f) {
      return (f.community === null || state.community.has(f.community)) && (f.category === null || state.category.has(f.category));
    });
    document.getElementById("findings-count").textContent = shown.length + " of " + data.findings.length;
    shown.forEach(function (f) {
      var tr = el("tr");
      var who = el("td"); who.appendChild(el("div", {}, f.community_name)); who.appendChild(el("div", {"class": "muted"}, f.doc + (f.line ? " · line " + f.line : "")));
      var sev = el("td"); sev.appendChild(el("span", {"class": "sev " + f.severity}, f.severity));
      var msg = el("td", {}, f.message);
      if (f.detail) msg.appendChild(el("div", {"class": "muted"}, f.detail));
      var src = el("td", {"class": "src"});
      src.appendChild(document.createTextNode(f.before));
      if (f.span) src.appendChild(el("mark", {}, f.span));
      src.appendChild(document.createTextNode(f.after));
      [who, sev, el("td", {}, f.check), msg, src].forEach(function (td) { tr.appendChild(td); });
      body.appendChild(tr);
    });
    if (!shown.length) { var tr = el("tr"); var td = el("td", {colspan: "5", "class": "empty"}, "No findings for this selection."); tr.appendChild(td); body.appendChild(tr); }
    rendered["findings"] = shown.map(function (f) { return {community: f.community_name, check: f.check, line: f.line, span: f.span}; });
  }

  function publish() {
    // what the page fetched besides itself (nothing: everything is inline)
    rendered.resources = (window.performance && performance.getEntriesByType ? performance.getEntriesByType("resource") : [])
      .map(function (entry) { return entry.name; });
    document.getElementById("rendered-state").textContent = JSON.stringify(rendered);
    var errors = document.getElementById("script-errors");
    errors.textContent = JSON.stringify(window.__errors);
    document.documentElement.setAttribute("data-rendered", window.__errors.length ? "errors" : "ok");
  }

  function update() {
    try {
      categoriesChart(); heatmap(); targetsChart(); findingsTable(); toHash();
    } catch (error) {
      window.__errors.push(String(error && error.stack || error));
    }
    publish();
  }

  // Filters can be set by the address: #community=<name>&community=<name>&category=<id>&indicator=<id>
  // (a link that opens the dashboard on a selection); the address follows the filters as they change.
  function fromHash() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    var names = params.getAll("community"), cats = params.getAll("category");
    if (names.length) state.community = new Set(data.communities.map(function (c, i) { return names.indexOf(c.name) >= 0 ? i : -1; }).filter(function (i) { return i >= 0; }));
    if (cats.length) state.category = new Set(cats.filter(function (id) { return colour[id]; }));
    document.querySelectorAll("aside input[type=checkbox]").forEach(function (input) {
      var kind = input.getAttribute("data-kind");
      input.checked = state[kind].has(kind === "community" ? Number(input.value) : input.value);
    });
    return params.get("indicator");
  }
  function toHash() {
    var params = new URLSearchParams();
    if (state.community.size !== data.communities.length) state.community.forEach(function (i) { params.append("community", data.communities[i].name); });
    if (state.category.size !== data.categories.length) state.category.forEach(function (id) { params.append("category", id); });
    var indicator = document.getElementById("indicator-select").value;
    if (indicator) params.set("indicator", indicator);
    try { history.replaceState(null, "", "#" + params.toString()); } catch (e) { /* file: URLs in some browsers */ }
  }

  header();
  filters();
  var wanted = fromHash();
  document.getElementById("indicator-select").addEventListener("change", function () { targetsChart(); toHash(); publish(); });
  if (wanted) { indicatorSelect(); document.getElementById("indicator-select").value = wanted; }
  update();
})();
"""
