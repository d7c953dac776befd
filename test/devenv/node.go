package devenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// NodeDir is where hack/node-up.sh keeps a running node's state, under the
// repository's root: its admin kubeconfig and containerd's socket.
const NodeDir = "_output/node"

// NodePauseImage is the node's pod sandbox image (hack/node-up.sh builds it
// into its registry): a container that only waits, for tests that need a pod
// to take room on the node.
const NodePauseImage = "127.0.0.1:15000/pause:node"

// AttachNode connects to the real single node hack/node-up.sh runs, with
// knative-kafka installed on it as README says: the tests' clients use its
// API server, their sinks listen on the node's address (where pods reach
// this host), the receiver is reached through its Service, and a replica is
// killed through the container runtime. Nothing is started; Stop leaves the
// node to node-up.
func AttachNode(ctx context.Context, opts Options) (*Env, error) {
	e, ctx := newEnv(ctx, opts)
	e.AdminKubeconfig = filepath.Join(opts.Root, NodeDir, "admin.kubeconfig")
	if _, err := os.Stat(e.AdminKubeconfig); err != nil {
		return nil, fmt.Errorf("no node to attach to (start one with hack/node-up.sh): %w", err)
	}
	rc, err := clientcmd.BuildConfigFromFlags("", e.AdminKubeconfig)
	if err != nil {
		return nil, err
	}
	e.AdminConfig, e.APIServerURL = rc, rc.Host
	if e.Kube, err = kubernetes.NewForConfig(rc); err != nil {
		return nil, err
	}
	if e.HostAddr, err = nodeAddress(ctx, e.Kube); err != nil {
		return nil, err
	}
	secret, err := e.Kube.CoreV1().Secrets(SystemNamespace).Get(ctx, KafkaSecretName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("the node's Kafka Secret: %w", err)
	}
	e.BrokerAddr = strings.Split(string(secret.Data["brokers"]), ",")[0]
	receiver, err := e.Kube.CoreV1().Services(SystemNamespace).Get(ctx, ReceiverName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("the receiver's Service: %w", err)
	}
	e.workloads = &nodePods{e: e, receiverIP: receiver.Spec.ClusterIP,
		ctr:    filepath.Join(opts.Root, "_output", "bin", "ctr"),
		socket: filepath.Join(opts.Root, NodeDir, "containerd", "containerd.sock")}
	for _, name := range []string{ControllerName, WebhookName, ReceiverName} {
		if err := e.WaitDeploymentAvailable(ctx, name, 3*time.Minute); err != nil {
			return nil, err
		}
	}
	if err := e.waitPoolCountedIn(ctx, 3*time.Minute); err != nil {
		return nil, err
	}
	e.Logf("attached to node at %s (host address %s, Kafka %s)", e.APIServerURL, e.HostAddr, e.BrokerAddr)
	return e, nil
}

// Attached tells whether the environment is a node the tests attached to,
// which outlives them, rather than one they started.
func (e *Env) Attached() bool {
	_, ok := e.workloads.(*nodePods)
	return ok
}

// nodeAddress is the only node's InternalIP: the host's address on the pods'
// bridge.
func nodeAddress(ctx context.Context, kube kubernetes.Interface) (string, error) {
	nodes, err := kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	if len(nodes.Items) != 1 {
		return "", fmt.Errorf("%d nodes, want the one of hack/node-up.sh", len(nodes.Items))
	}
	for _, a := range nodes.Items[0].Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address, nil
		}
	}
	return "", fmt.Errorf("node %s has no InternalIP", nodes.Items[0].Name)
}

// nodePods are the system namespace's workloads as pods of the node.
type nodePods struct {
	e *Env
	// receiverIP is the receiver Service's ClusterIP, fixed for the
	// Service's life: read once, not at every event a test sends.
	receiverIP string
	// ctr and socket reach containerd, whose CRI namespace is k8s.io.
	ctr, socket string
}

func (n *nodePods) receiverURL(https bool) (string, error) {
	if https {
		return "https://" + net.JoinHostPort(n.receiverIP, "443"), nil
	}
	return "http://" + n.receiverIP, nil
}

func (n *nodePods) metricsURL(name string) (string, error) {
	pod, err := n.e.Kube.CoreV1().Pods(SystemNamespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == "metrics" && pod.Status.PodIP != "" {
				return "http://" + net.JoinHostPort(pod.Status.PodIP, strconv.Itoa(int(p.ContainerPort))) + "/metrics", nil
			}
		}
	}
	return "", fmt.Errorf("pod %s has no metrics port or no IP yet", name)
}

// kill SIGKILLs every container of a pod through containerd, as a crash or
// the OOM killer would end them: kubelet restarts them in the same pod.
func (n *nodePods) kill(name string) error {
	pod, err := n.e.Kube.CoreV1().Pods(SystemNamespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	killed := 0
	for _, c := range pod.Status.ContainerStatuses {
		_, id, ok := strings.Cut(c.ContainerID, "://")
		if !ok || c.State.Running == nil {
			continue
		}
		out, err := exec.Command(n.ctr, "--address", n.socket, "--namespace", "k8s.io",
			"task", "kill", "--signal", "SIGKILL", id).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ctr task kill %s (pod %s): %w: %s", id, name, err, out)
		}
		killed++
	}
	if killed == 0 {
		return fmt.Errorf("pod %s has no running container", name)
	}
	return nil
}

// hold has no counterpart on a node that a test could undo by name; the
// node's own faults (an unschedulable replica) are made with the API.
func (n *nodePods) hold(name string, _ bool) error {
	return fmt.Errorf("holding pod %s down: only the dev environment's local processes can be held (on a node, make a replica unschedulable instead)", name)
}

// podNames lists the pods of a Deployment or StatefulSet, by name.
func (n *nodePods) podNames(workload string) []string {
	ctx := context.Background()
	selector := ""
	if d, err := n.e.Kube.AppsV1().Deployments(SystemNamespace).Get(ctx, workload, metav1.GetOptions{}); err == nil {
		selector = metav1.FormatLabelSelector(d.Spec.Selector)
	} else if s, err := n.e.Kube.AppsV1().StatefulSets(SystemNamespace).Get(ctx, workload, metav1.GetOptions{}); err == nil {
		selector = metav1.FormatLabelSelector(s.Spec.Selector)
	} else {
		return nil
	}
	pods, err := n.e.Kube.CoreV1().Pods(SystemNamespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil
	}
	var names []string
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			names = append(names, p.Name)
		}
	}
	sort.Strings(names)
	return names
}

// stop leaves the node running: it is node-up's.
func (n *nodePods) stop() {}
