// Package pipeline runs the lifecycle as one declarative pipeline: a YAML
// file (docs/pipeline.md) lists steps — ingest, prep, split, eda, frame,
// train, eval (with the goal's gate), register, deploy, monitor_schedule,
// retrain_policy, alarm — each with an id and the parameters of its kind.
// A step may use an earlier step's outputs as ${steps.<id>.<field>}; an
// eval's model and a register's run may simply name a train step.
//
// Decisions:
//
//   - Parsing is strict (unknown fields are errors) and validation reports
//     every problem with its path (steps[3].train.algo), like prep recipes.
//   - Each step has an input hash: sha256 over its kind, its parameters
//     after references are resolved, and the content identities of what it
//     reads (dataset version ids and content hashes, run ids, model version
//     ids, the sha256 of recipe, feature-spec and source files, the goal).
//     A step whose hash equals the one recorded in the pipeline's last
//     succeeded run is "cached": it does not run and its outputs are
//     reused. A change therefore re-runs the changed step and exactly those
//     after it whose inputs changed as a result.
//   - Every pipeline run is a run of kind "pipeline" in the metadata store,
//     named after the pipeline, its step records (status, input hash,
//     outputs, duration) in the run's metrics; the datasets', runs' and
//     models' lineage is recorded by the services the steps call.
//   - A failed gate stops the pipeline at its eval step (a *GateError
//     naming the failed criteria); the run is recorded as failed and is
//     never used as a cache.
package pipeline
