// Package linear fits and applies linear models: binary logistic
// regression ([FitLogistic]), multinomial (softmax) logistic regression
// ([FitSoftmax]) and least-squares regression with no, ridge, lasso or
// elastic-net penalty ([FitRegression]).
//
// The objectives follow scikit-learn's conventions (C for the classifiers,
// alpha and l1_ratio for regression) so that coefficients can be compared
// with it; each fitter documents the exact objective it minimises. Smooth
// objectives (l2, none) are minimised with gonum's L-BFGS; l1 and elastic
// net use accelerated proximal gradient (classifiers) or coordinate
// descent (regression, as scikit-learn's Lasso and ElasticNet).
//
// # Inputs
//
// Features are the columns of a [frame.Frame], all of which must be Float
// columns with no missing (NaN) or infinite value; encode categorical
// columns first. Sample weights are a []float64, nil meaning unweighted; a
// row of weight 0 plays no part in the fit. By default features are
// standardised inside the fit ([Params].Standardize) so that the penalty
// treats them alike; the [Model] always stores coefficients for raw
// features, so predictions take raw input.
//
//	m, err := linear.FitLogistic(ctx, x, y, nil, linear.Params{C: 0.5})
//	proba, err := m.Probabilities(xTest)
//
// # Speed
//
// The loss and gradient are computed in parallel over fixed row chunks of
// the column-major frame data (no copy), and chunk sums are added in chunk
// order, so results are deterministic and do not depend on GOMAXPROCS.
package linear
