package report

import (
	"fmt"
	"strings"
)

// This file holds what every report page shares: the document frame, the
// style sheet, the table-sorting script and small HTML helpers. A report
// writes into a page and the page becomes one self-contained document.

// page builds one HTML document.
type page struct {
	title string
	nav   []navItem
	body  strings.Builder
}

// navItem is one entry of the side navigation; Sub entries are indented.
type navItem struct {
	ID, Label string
	Sub       bool
	Count     string // a small number shown after the label, if any
}

// printf writes formatted markup; the caller escapes text arguments.
func (p *page) printf(format string, args ...any) { fmt.Fprintf(&p.body, format, args...) }

// write writes markup as it is.
func (p *page) write(markup ...string) {
	for _, m := range markup {
		p.body.WriteString(m)
	}
}

// html returns the whole document.
func (p *page) html(brand, footer string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	b.WriteString("<title>" + esc(p.title) + "</title>\n<style>\n" + css + "</style>\n</head>\n<body>\n")
	b.WriteString("<nav class=\"side\" aria-label=\"Sections\">\n<div class=\"brand\">" + esc(brand) + "</div>\n<ul>\n")
	for _, it := range p.nav {
		cls := ""
		if it.Sub {
			cls = ` class="sub"`
		}
		b.WriteString("<li" + cls + "><a href=\"#" + esc(it.ID) + "\">" + esc(it.Label))
		if it.Count != "" {
			b.WriteString(" <span class=\"n\">" + esc(it.Count) + "</span>")
		}
		b.WriteString("</a></li>\n")
	}
	b.WriteString("</ul>\n</nav>\n<main>\n")
	b.WriteString(p.body.String())
	b.WriteString("<footer>" + esc(footer) + "</footer>\n</main>\n<script>\n" + script + "</script>\n</body>\n</html>\n")
	return b.String()
}

// kv writes a two-column table of labels and values; values are escaped.
func kv(rows [][2]string) string {
	var b strings.Builder
	b.WriteString(`<table class="kv"><tbody>`)
	for _, r := range rows {
		b.WriteString("<tr><th scope=\"row\">" + esc(r[0]) + "</th><td>" + esc(r[1]) + "</td></tr>")
	}
	b.WriteString("</tbody></table>")
	return b.String()
}

// figure wraps a chart with a caption.
func figure(svg, caption string) string {
	return "<figure>" + svg + "<figcaption>" + esc(caption) + "</figcaption></figure>\n"
}

// css is the style sheet of every report: system fonts only, so a page
// needs nothing from the network.
const css = `:root{--bg:#f5f6f8;--card:#fff;--line:#e3e6ea;--text:#1f2933;--muted:#6b7280;--accent:#3b6ea8;--accent-bg:#eaf1f9;
--info:#3b6ea8;--info-bg:#eaf1f9;--warn:#9a5b00;--warn-bg:#fdf1dc;--alert:#b42318;--alert-bg:#fde8e7}
*{box-sizing:border-box}
html{scroll-padding-top:16px}
body{margin:0;background:var(--bg);color:var(--text);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
display:grid;grid-template-columns:220px minmax(0,1fr)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.side{position:sticky;top:0;height:100vh;overflow-y:auto;background:#1f2a37;color:#cbd2d9;padding:20px 0}
.side .brand{font-weight:600;color:#fff;padding:0 20px 14px;letter-spacing:.02em}
.side ul{list-style:none;margin:0;padding:0}
.side a{display:block;color:#cbd2d9;padding:5px 20px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.side a:hover{background:#2b3a4b;color:#fff;text-decoration:none}
.side li.sub a{padding-left:34px;font-size:13px;color:#9aa5b1}
.side .n{float:right;background:#33475b;color:#e4e7eb;border-radius:9px;padding:0 7px;font-size:12px}
main{padding:28px 36px 40px;max-width:1280px;width:100%}
header.top{margin-bottom:24px}
.eyebrow{margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.08em;font-size:12px}
h1{margin:2px 0 16px;font-size:28px;font-weight:650;word-break:break-word}
h1 .ver{color:var(--muted);font-weight:500}
h2{font-size:20px;margin:0 0 14px;font-weight:620}
h3{font-size:16px;margin:0 0 12px;font-weight:600;word-break:break-word}
section{margin:0 0 28px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px}
.kpi .k{display:block;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.kpi .v{display:block;font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}
.kpi .s{color:var(--muted);font-size:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:0 0 16px}
.muted{color:var(--muted)}
.card>p.muted:first-child{margin-top:0}
.badge{display:inline-block;font-size:11px;font-weight:600;border-radius:10px;padding:1px 8px;vertical-align:middle;
background:#eef0f3;color:#3e4c59;margin-left:6px;letter-spacing:.02em}
.badge.info{background:var(--info-bg);color:var(--info)}.badge.warn{background:var(--warn-bg);color:var(--warn)}
.badge.alert{background:var(--alert-bg);color:var(--alert)}
ul.warnings{list-style:none;margin:0;padding:0}
ul.warnings li{padding:8px 0;border-bottom:1px solid var(--line);display:flex;gap:10px;align-items:baseline}
ul.warnings li:last-child{border-bottom:0}
ul.warnings .badge{margin-left:0;flex:none;min-width:118px;text-align:center}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
table.grid{width:100%;font-size:12.5px}
table.grid th,table.grid td{padding:6px 7px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
table.grid th:first-child,table.grid td:first-child,table.grid td.l,table.grid th.l{text-align:left}
table.grid thead th{position:sticky;top:0;background:#fafbfc;color:#3e4c59;font-weight:600;border-bottom:2px solid var(--line)}
table.grid tbody tr:hover{background:#f8fafc}
table.grid td.name,table.grid td.l{max-width:160px;overflow:hidden;text-overflow:ellipsis}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[aria-sort=ascending]::after{content:" ▲";font-size:10px}
table.sortable th[aria-sort=descending]::after{content:" ▼";font-size:10px}
table.kv{font-size:13px;width:100%}
table.kv th{text-align:left;font-weight:500;color:var(--muted);padding:3px 12px 3px 0;white-space:nowrap}
table.kv td{text-align:right;padding:3px 0}
table.kv tr+tr th,table.kv tr+tr td{border-top:1px solid #f0f2f4}
.colgrid{display:grid;grid-template-columns:minmax(220px,300px) minmax(0,1fr);gap:24px;align-items:start}
.stats h4{margin:12px 0 4px;font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em;font-weight:600}
.stats h4:first-child{margin-top:0}
table.qs{width:100%;font-size:12px;margin-top:14px;border:1px solid var(--line);border-radius:8px;border-collapse:separate;border-spacing:0;overflow:hidden}
table.qs th{background:#fafbfc;color:var(--muted);font-weight:600;padding:4px 8px;text-align:right}
table.qs td,table.qs tbody th{padding:4px 8px;text-align:right;border-top:1px solid var(--line);background:none}
table.qs th:first-child,table.qs td:first-child{text-align:left}
.rel{display:grid;grid-template-columns:minmax(0,560px) minmax(0,360px);gap:16px 24px;align-items:start}
.figs{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:16px}
.figs>.wide{grid-column:1/-1}
figure{margin:0;min-width:0}
figcaption{color:var(--muted);font-size:12px;margin-top:4px}
svg.chart{display:block;max-width:100%;height:auto}
svg.chart text{font-family:inherit}
.meter{display:inline-block;width:120px;height:8px;background:#eef0f3;border-radius:4px;vertical-align:middle;margin-right:8px;overflow:hidden}
.meter span{display:block;height:100%;background:var(--accent)}
.rel-head{display:flex;flex-wrap:wrap;gap:12px;align-items:baseline;justify-content:space-between}
.power{font-variant-numeric:tabular-nums;color:var(--muted)}
.power b{color:var(--text)}
footer{color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:12px;margin-top:32px}
@media (max-width:900px){
body{display:block}
.side{position:sticky;top:0;height:auto;z-index:2;padding:0;overflow-x:auto;overflow-y:hidden}
.side .brand{display:none}
.side ul{display:flex}
.side li.sub{display:none}
.side a{padding:10px 14px}
main{padding:20px 16px}
.colgrid,.rel{grid-template-columns:1fr}
}
@media print{body{display:block}.side{display:none}.card{break-inside:avoid}}
`

// script makes the tables of class "sortable" sortable by a click on a
// header: cells sort by their data-v attribute (numbers) when they have
// one, otherwise by text; empty values sort last.
const script = `(function(){
document.querySelectorAll("table.sortable").forEach(function(t){
var hs=t.querySelectorAll("thead th");
hs.forEach(function(th,i){th.addEventListener("click",function(){
var asc=th.getAttribute("aria-sort")!=="ascending";
hs.forEach(function(h){h.removeAttribute("aria-sort")});
th.setAttribute("aria-sort",asc?"ascending":"descending");
var tb=t.tBodies[0],rows=Array.prototype.slice.call(tb.rows);
function key(r){var c=r.cells[i];if(!c)return null;var v=c.getAttribute("data-v");
if(v!==null)return v===""?null:parseFloat(v);var s=c.textContent.trim();return s==="—"?null:s.toLowerCase()}
rows.sort(function(a,b){var x=key(a),y=key(b);if(x===null&&y===null)return 0;if(x===null)return 1;if(y===null)return -1;
var d=(typeof x==="number"&&typeof y==="number")?x-y:String(x).localeCompare(String(y));return asc?d:-d});
rows.forEach(function(r){tb.appendChild(r)});
})});
});
})();
`
