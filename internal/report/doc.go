// Package report renders profiles and evaluations as self-contained HTML
// pages: one file with inline CSS and inline SVG charts that opens from
// disk with no network, fonts, CDNs or external URLs. Three reports exist:
// the exploratory data analysis of an eda.Profile, the evaluation of a
// model (an eval.Report: the gate, metrics, curves, confusion matrix,
// residuals, business value, importance, learning curve) and a monitor run
// (a monitor.Result: alarms, violations, per-feature baseline vs current
// distributions and scores, quality, scores over time):
//
//	f, err := os.Create("churn-eda.html")
//	...
//	err = report.EDA(f, profile, report.Opts{})
//	err = report.Eval(g, evaluation, report.Opts{})
//	err = report.Monitor(h, result, history, report.Opts{})
//
// # Output is deterministic
//
// The same profile and Opts give the same bytes: coordinates have at most
// two decimals, statistics four significant digits, nothing is taken from
// a map in iteration order, and no time is printed unless Opts.Generated
// is set. Reports are golden-file tested (go test ./internal/report
// -update refreshes testdata/), and a browser test opens the page in
// headless Chromium to check that every chart is drawn and the page logs
// no error.
//
// # The chart kit
//
// The charts are plain SVG written by pure Go (chart.go on top of the
// writer, scales, ticks and colours of svg.go); they need no script. Each
// chart is one <svg> element with a viewBox that scales down with the page,
// an accessible name, and a <title> tooltip on every mark that holds its
// exact numbers. The kit has:
//
//   - histogram: bars over bin edges and counts;
//   - bars: a horizontal bar chart with counts and shares (top values,
//     class balance), grey bars for "(other)";
//   - heatmap: a labelled matrix with a diverging colour scale for [-1, 1]
//     or a sequential one for [0, 1], values printed in large cells only,
//     and every k-th label when cells get small, up to about 80×80;
//   - missingMatrix: columns × blocks of rows shaded by the share missing;
//   - boxPlot: one box per class with whiskers and extremes;
//   - rateChart: row counts per bin as bars and a target rate as a line;
//   - xyChart (evalchart.go): several series with an optional diagonal,
//     reference lines and labelled markers (ROC, PR, calibration, value
//     and learning curves, residual scatters), long curves thinned to the
//     pixel;
//   - confusionChart: a class × class matrix with counts and row shares;
//   - errorBars: horizontal bars with ±std whiskers;
//   - grouped bars (monitorchart.go): baseline vs current shares per bin or
//     category.
//
// Axes use "nice" ticks (1, 2 or 5 times a power of ten) with one
// precision per axis and k/M/G suffixes; long labels are cut with an
// ellipsis and keep the full text in a <title>. All text, including
// column names such as a<b&"c", is escaped, so the page and every chart
// are well-formed; a missing value (nil pointer, NaN, infinity) prints as
// "—".
//
// # The EDA report
//
// A sticky side navigation (a top bar on narrow screens) leads to:
//
//   - Summary: dataset@version, rows, columns, duplicate rows, memory,
//     missing cells and the number of warnings;
//   - Warnings: each with a badge for its kind and a link to its column;
//   - Overview: one sortable row per column (type, count, missing,
//     distinct, min, max, mean, std, skewness, kurtosis, zeros, outliers);
//     a click on a header sorts by it, the only script on the page;
//   - Columns: per column its statistics, its histogram or top values,
//     and its quantiles;
//   - Missing values: the missing-value matrix;
//   - Correlations: a heatmap for each of Pearson, Spearman, Cramér's V
//     and the correlation ratio that the profile holds;
//   - Target (with a target): the class balance, the features ranked by
//     their one-feature power, and per feature the target rate by bin and,
//     for numeric features and classes, box plots per class.
package report
