//go:build tools

// Package k8s pins the Kubernetes control plane the dev environment and the
// end-to-end tests run: etcd, kube-apiserver, kube-controller-manager, kubectl;
// and the rest of the single node hack/node-up.sh runs: kubelet, kube-scheduler, kube-proxy.
// It is its own module so that none of it is vendored with the product.
package k8s

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
