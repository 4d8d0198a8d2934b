// Package predict loads an mlcycle model package and predicts with it. It
// is the one prediction path of the platform: evaluation, the real-time
// servers, batch transform and the edge runtime all call Model.Predict, so
// a model scores the same rows the same way everywhere (no training/serving
// skew).
//
// A model package is one file (docs/format/model.md): a gzip-compressed
// JSON document that holds the input schema, the fitted feature transforms
// (ml/transform), the fitted model (ml/gbdt, ml/linear, ml/forest, or a
// constant baseline), the target's encoding (class labels), the training
// metrics and the lineage (dataset versions, feature spec hash, parameters,
// seed, mlcycle version). The package is pure Go: it needs neither DuckDB
// nor cgo, and imports only the standard library and ml/.
//
//	m, err := predict.LoadFile("churn.mlmodel")
//	res, err := m.Predict(ctx, rows) // rows: an *frame.Frame with the schema's columns
//	for i := range res.Len() { fmt.Println(res.Label(i), res.Score(i)) }
//
// Input rows are matched to the schema by column name; extra columns are
// ignored, categories unseen in training and missing values are handled by
// the transforms (never a crash), and a missing column is an error naming
// it unless every transform of that column tolerates missing values.
package predict
