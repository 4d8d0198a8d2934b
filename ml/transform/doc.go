// Package transform fits feature transforms on training data and applies
// them, with the same code, at serving time.
//
// A Spec (decoded from YAML by the caller; this package imports no YAML
// library) lists, per input column, a chain of steps: imputation (mean,
// median, mode, constant, with optional missing indicators), scaling
// (standard, min-max, robust), clipping, log / Box-Cox / Yeo-Johnson,
// quantile binning, one-hot / ordinal / frequency / target encoding, date
// parts and hashed TF-IDF of text; derived columns from arithmetic
// expressions and pairwise interactions complete it. DefaultSpec infers a
// spec for tree or linear learners from the schema.
//
//	p, train, err := transform.Fit(ctx, spec, x, &transform.Target{Values: y, NumClass: 2}, transform.Options{Seed: 1})
//	// train the model on train; save p (MarshalJSON) inside the model package
//	out, err := p.Apply(ctx, serving)
//
// # Decisions
//
//   - Every fitted number reproduces scikit-learn 1.2 / SciPy 1.10 (see
//     testdata/transform): StandardScaler (population std; a zero scale
//     becomes 1), MinMaxScaler, RobustScaler (IQR 25–75), SimpleImputer,
//     OneHotEncoder(max_categories, handle_unknown="infrequent_if_exist"),
//     OrdinalEncoder, KBinsDiscretizer(strategy="quantile",
//     encode="ordinal"), PowerTransformer(standardize=False) (lambdas by
//     SciPy's Brent search, ported), HashingVectorizer(alternate_sign=False,
//     norm=None) + TfidfTransformer(smooth_idf=True, norm="l2").
//   - Missing values are NaN in numeric chains; numeric steps other than
//     impute leave NaN in place, so trees see them and linear chains impute
//     first. Missing indicators are added only when the training column has
//     missing values, and later steps of the chain do not scale them.
//   - One-hot keeps all categories when there are fewer than
//     max_categories, otherwise the max_categories-1 most frequent; an "other" column always
//     follows and takes the dropped and unseen categories. A missing value is
//     all zeros (impute first to give it a column).
//   - Ordinal: unseen → -1, missing → NaN. Frequency: unseen → 0, missing →
//     the training share of missing rows. Target: the smoothed mean
//     (sum_y + m·prior)/(n + m); unseen and missing → prior. The training
//     frame gets out-of-fold values (each fold encoded by the other folds,
//     prior included); Apply uses the encoding of all training rows.
//   - Passthrough categoricals keep the training dictionary, so the codes a
//     tree learned stay valid; an unseen category becomes missing.
//   - date_parts: dow is Monday=0 as pandas; days_since counts days from
//     the latest training date (the reference fitted), positive for the
//     past.
//   - log is ln(1+x); values at or below -1 (log), at or below 0 (Box-Cox)
//     become missing. A derived expression's non-finite result (division
//     by zero, log 0) is missing.
//   - Columns are fitted and applied in parallel (GOMAXPROCS goroutines);
//     results do not depend on scheduling.
//   - Apply is the serving path, so its per-call overhead is kept to a few
//     allocations: Fit and UnmarshalJSON precompute a plan (the output
//     frame's frame.Layout, each chain's input position and output offset)
//     and each step's lookups (binary search on sorted categories, one-hot
//     and text-hash output names); a numeric passthrough output is the input
//     column itself. applyGeneral, the same transform with every lookup by
//     name, remains for pipelines without a plan, and tests compare the two.
//
// Output columns are Float columns named <col> for 1:1 chains,
// <col>__<category> and <col>__other for one-hot, <col>__missing for
// indicators, <col>__<part> for date parts, <col>__h<i> for text hashes,
// <col>__class<k> for multiclass target encoding and <a>__x__<b> for
// interactions; passthrough categoricals and booleans keep their kind. The
// full reference is docs/transform.md.
package transform
