// Package registry is the model registry (`mlcycle model ...`, `mlcycle
// deploy`): it registers the model package of a succeeded training run as
// the next version of a named model, keeps each version's approval status
// (pending → approved or rejected) and the model's aliases ("champion"),
// points endpoints at versions, and answers from the append-only history
// which version an endpoint served at a given time.
//
// The state lives in the metadata store (store.Registry); this package
// adds the rules that need more than the store: a registered run must be a
// succeeded training run whose package loads with predict.Load (its task
// and training metrics are copied into the version), names and aliases
// follow one pattern, and only approved versions are deployed unless the
// caller forces it. Every change records who made it (the actor: the CLI
// passes Actor's answer), why and when (Service.Clock).
//
// A version is named by a reference (ParseRef): "churn" (the latest
// version), "churn@3" (version 3), "churn@champion" (an alias) or
// "churn@latest". Resolve loads the version's package as a *predict.Model,
// the one prediction path that servers use.
//
// Decisions:
//   - The approval rule is enforced twice: Deploy checks it to give an
//     error that names the status and --force, and the store checks it
//     again inside the deploy transaction, so an approval withdrawn at the
//     same moment cannot slip through.
//   - Registering the same run twice under one name is refused
//     (fault.KindConflict): a version is a decision about one package, and
//     two numbers for one package would split its history.
//   - Endpoint settings are an EndpointConfig stored as JSON. A deploy that
//     gives no config keeps the endpoint's current one (or the default,
//     100 % capture, for a new endpoint), so moving an endpoint to a new
//     version does not silently reset its settings.
//   - "Which version served at T" is read from the deploy and undeploy
//     events, not from the endpoint row, which holds only the present.
package registry
