// Package deploy holds no code: it is the deployment kit of Baohan Gateway
// (Dockerfile, compose with MySQL, systemd unit, Kubernetes manifests, an
// example configuration) and the tests that check it. See
// docs/operations.md.
//
// The configurations here are also loaded by the real LoadConfig in
// cmd/baohan's deploy_test.go; this package's tests check the structure of
// the manifests: probes, replicas, security settings, the command line, and
// that the secrets they reference exist.
package deploy
