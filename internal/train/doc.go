// Package train runs training runs (`mlcycle train`): it reads a dataset
// version, frames the target (NewProblem), fits the feature transforms
// (ml/transform) on the training rows only, fits the model (ml/gbdt,
// ml/linear, ml/forest or a constant baseline), scores it on the training,
// validation and cross-validation rows, writes the model package
// (predict/, docs/format/model.md) to the artifact store and records the
// run — parameters, metrics, learning curve, duration, peak memory,
// inputs, artifact — in the metadata store.
//
// Fit is the pure core (no I/O) that cross-validation, the gate's learning
// curve and retraining reuse with a Recipe: the algorithm, its parameters,
// the feature spec and the seed. docs/train.md documents the command, the
// defaults and what a run records.
package train
