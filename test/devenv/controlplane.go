package devenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// startControlPlane runs etcd, kube-apiserver and kube-controller-manager.
func (e *Env) startControlPlane(ctx context.Context) error {
	p, err := newPKI(filepath.Join(e.Dir, "pki"))
	if err != nil {
		return fmt.Errorf("PKI: %w", err)
	}
	e.pki = p
	if err := e.startEtcd(ctx); err != nil {
		return err
	}
	if err := e.startAPIServer(ctx); err != nil {
		return err
	}
	if err := e.writeAdminKubeconfig(); err != nil {
		return err
	}
	return e.startControllerManager()
}

func (e *Env) startEtcd(ctx context.Context) error {
	return onFreePorts(2, func(ports []int) error { return e.startEtcdOn(ctx, ports[0], ports[1]) })
}

func (e *Env) startEtcdOn(ctx context.Context, client, peer int) error {
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", client)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
	p, err := e.procs.start("etcd", e.bin("etcd"), []string{
		"--data-dir", filepath.Join(e.Dir, "etcd"),
		"--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default=" + peerURL,
		// The environment's state is disposable; fsync only slows it down.
		"--unsafe-no-fsync",
	}, os.Environ())
	if err != nil {
		return err
	}
	e.etcdURL = clientURL
	return waitFor(ctx, "etcd", p, time.Minute, func() error { return httpOK(clientURL + "/health") })
}

func (e *Env) startAPIServer(ctx context.Context) error {
	return onFreePorts(1, func(ports []int) error { return e.startAPIServerOn(ctx, ports[0]) })
}

func (e *Env) startAPIServerOn(ctx context.Context, port int) error {
	pk := e.pki.path
	p, err := e.procs.start("kube-apiserver", e.bin("kube-apiserver"), []string{
		"--etcd-servers", e.etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(port),
		"--tls-cert-file", pk("apiserver.crt"), "--tls-private-key-file", pk("apiserver.key"),
		"--client-ca-file", pk("ca.crt"),
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", pk("sa.pub"),
		"--service-account-signing-key-file", pk("sa.key"),
		"--authorization-mode", "RBAC",
		"--service-cluster-ip-range", "10.0.0.0/24",
		// No kubelet runs pods here, so admission that waits on service-account
		// tokens in pods only gets in the way.
		"--disable-admission-plugins", "ServiceAccount",
	}, os.Environ())
	if err != nil {
		return err
	}
	e.APIServerURL = fmt.Sprintf("https://127.0.0.1:%d", port)
	if err := waitFor(ctx, "kube-apiserver", p, 2*time.Minute, func() error { return httpOK(e.APIServerURL + "/readyz") }); err != nil {
		return err
	}
	e.proxy, err = startAPIProxy(e.APIServerURL)
	return err
}

func (e *Env) writeAdminKubeconfig() error {
	e.AdminKubeconfig = filepath.Join(e.Dir, "admin.kubeconfig")
	cfg := e.kubeconfig(&clientcmdapi.AuthInfo{
		ClientCertificate: e.pki.path("admin.crt"),
		ClientKey:         e.pki.path("admin.key"),
	})
	if err := clientcmd.WriteToFile(*cfg, e.AdminKubeconfig); err != nil {
		return err
	}
	rc, err := clientcmd.BuildConfigFromFlags("", e.AdminKubeconfig)
	if err != nil {
		return err
	}
	e.AdminConfig = rc
	e.Kube, err = kubernetes.NewForConfig(rc)
	return err
}

// kubeconfig points at the API server with the given credentials.
func (e *Env) kubeconfig(auth *clientcmdapi.AuthInfo) *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["dev"] = &clientcmdapi.Cluster{Server: e.APIServerURL, CertificateAuthority: e.pki.path("ca.crt")}
	cfg.AuthInfos["user"] = auth
	cfg.Contexts["dev"] = &clientcmdapi.Context{Cluster: "dev", AuthInfo: "user"}
	cfg.CurrentContext = "dev"
	return cfg
}

// startControllerManager runs the controllers a namespace deletion and owner
// references need. The Deployment, ReplicaSet and StatefulSet controllers stay
// off: the environment itself runs Deployments and StatefulSets as processes
// and owns their status.
func (e *Env) startControllerManager() error {
	_, err := e.procs.start("kube-controller-manager", e.bin("kube-controller-manager"), []string{
		"--kubeconfig", e.AdminKubeconfig,
		"--authentication-kubeconfig", e.AdminKubeconfig,
		"--authorization-kubeconfig", e.AdminKubeconfig,
		"--controllers", "namespace,garbagecollector,serviceaccount,serviceaccount-token,clusterrole-aggregation",
		"--leader-elect=false",
		"--service-account-private-key-file", e.pki.path("sa.key"),
		"--root-ca-file", e.pki.path("ca.crt"),
		"--bind-address", "127.0.0.1", "--secure-port", "0",
	}, os.Environ())
	return err
}

// restConfigFor is a client configuration with a ServiceAccount's token.
func (e *Env) restConfigFor(token string) *rest.Config {
	return &rest.Config{
		Host:            e.APIServerURL,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: e.pki.path("ca.crt")},
	}
}
