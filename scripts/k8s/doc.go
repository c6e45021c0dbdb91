// Package k8s holds feedprobe's Kubernetes manifests (an Indexed Job of
// shards with a Chromium sidecar, a merge Job, a CronJob pair for scheduled
// campaigns, the campaign ConfigMap and the data volume) and the test that
// decodes each of them strictly into the Kubernetes API types, so that a
// misspelt field fails the build. It has no Go API.
package k8s
