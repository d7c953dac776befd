// Package manifests checks that config/ — what `ko apply -f config` installs — is a set of
// valid Kubernetes objects that fit together and match the code that runs under them.
package manifests
