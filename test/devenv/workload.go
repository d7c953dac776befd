package devenv

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
)

// rollReadyTimeout bounds how long a rolling update waits for an updated
// replica to become ready before it replaces the next one: a template that
// never gets ready must not hold the old replicas forever in a dev environment.
const rollReadyTimeout = time.Minute

// workload is what the runner needs of a Deployment or a StatefulSet to play
// its controller: the replicas it asks for, how they are named, their
// template, and where their state is reported. One code path runs both kinds.
type workload struct {
	// key tells workloads apart across kinds: "<Kind>/<name>".
	key       string
	namespace string
	// revision names the template: what a roll brings every replica to.
	// Scaling changes the generation, not the revision.
	revision string
	// replicas is how many processes run, ordinals 0..replicas-1.
	replicas int
	template *corev1.PodTemplateSpec
	// podName is the name a replica's pod would have on a cluster: what
	// fieldRef metadata.name (POD_NAME) resolves to.
	podName func(ordinal int) string
	// procName names a replica's process: its log file and ps title.
	procName func(ordinal int) string
	// reflect writes the replicas' states to the object's status, as its
	// controller would, when that changes it.
	reflect func(ctx context.Context, kube kubernetes.Interface, pods []podState) error
}

// podState is what a workload's status is computed from: one replica.
type podState struct {
	ordinal  int
	revision string
	ready    bool
	started  time.Time
}

// newWorkload holds what Deployments and StatefulSets have in common; the
// caller adds the naming of replicas and the status writer.
func newWorkload(kind string, meta *metav1.ObjectMeta, replicas int, t *corev1.PodTemplateSpec) *workload {
	return &workload{
		key:       kind + "/" + meta.Name,
		namespace: meta.Namespace,
		revision:  revision(meta.Name, t),
		replicas:  replicas,
		template:  t,
	}
}

// deploymentWorkload runs a Deployment as one process (none at replicas 0),
// named after the Deployment; its pod is "<deployment>-local".
func deploymentWorkload(d *appsv1.Deployment) *workload {
	replicas := 1
	if d.Spec.Replicas != nil && *d.Spec.Replicas == 0 {
		replicas = 0
	}
	w := newWorkload("Deployment", &d.ObjectMeta, replicas, &d.Spec.Template)
	w.podName = func(int) string { return deploymentPod(d.Name) }
	w.procName = func(int) string { return d.Name }
	w.reflect = func(ctx context.Context, kube kubernetes.Interface, pods []podState) error {
		next := d.DeepCopy()
		next.Status = deploymentStatus(d, w.revision, pods)
		return writeStatus(ctx, d.Status, next.Status, next, kube.AppsV1().Deployments(d.Namespace).UpdateStatus)
	}
	return w
}

// deploymentPod is the pod name of a Deployment's process.
func deploymentPod(deployment string) string { return deployment + "-local" }

// statefulSetWorkload runs a StatefulSet as spec.replicas processes (1 when
// unset), replica i being "<statefulset>-<i>", the name its pod has on a cluster.
func statefulSetWorkload(s *appsv1.StatefulSet) *workload {
	replicas := 1
	if s.Spec.Replicas != nil {
		replicas = int(*s.Spec.Replicas)
	}
	w := newWorkload("StatefulSet", &s.ObjectMeta, replicas, &s.Spec.Template)
	w.podName = func(ordinal int) string { return fmt.Sprintf("%s-%d", s.Name, ordinal) }
	w.procName = w.podName
	w.reflect = func(ctx context.Context, kube kubernetes.Interface, pods []podState) error {
		next := s.DeepCopy()
		next.Status = statefulSetStatus(s, w.revision, pods)
		return writeStatus(ctx, s.Status, next.Status, next, kube.AppsV1().StatefulSets(s.Namespace).UpdateStatus)
	}
	return w
}

// writeStatus writes next, the object with its new status, unless that
// status is the one it has: the API server then sees no write per poll.
func writeStatus[T any](ctx context.Context, status, nextStatus any, next T,
	update func(context.Context, T, metav1.UpdateOptions) (T, error)) error {
	if equality.Semantic.DeepEqual(nextStatus, status) {
		return nil
	}
	_, err := update(ctx, next, metav1.UpdateOptions{})
	return err
}

// revision names a template as the StatefulSet controller names its
// ControllerRevisions: "<name>-<hash of the template>".
func revision(name string, t *corev1.PodTemplateSpec) string {
	b, _ := json.Marshal(t)
	h := fnv.New32a()
	h.Write(b)
	return name + "-" + rand.SafeEncodeString(strconv.FormatUint(uint64(h.Sum32()), 10))
}

// toStop lists the ordinals beyond replicas, highest first: a StatefulSet
// scales down from its end.
func toStop(ordinals []int, replicas int) []int {
	var out []int
	for _, o := range ordinals {
		if o >= replicas {
			out = append(out, o)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(out)))
	return out
}

// toStart lists the ordinals below replicas that have no process, lowest first.
func toStart(ordinals []int, replicas int) []int {
	have := make(map[int]bool, len(ordinals))
	for _, o := range ordinals {
		have[o] = true
	}
	var out []int
	for o := 0; o < replicas; o++ {
		if !have[o] {
			out = append(out, o)
		}
	}
	return out
}

// nextToRoll picks the replica a rolling update replaces now: the highest
// ordinal still at an old revision, once every replica already updated is
// ready (or has had rollReadyTimeout to become so). ok is false when the roll
// is done or waits.
func nextToRoll(pods []podState, revision string, now time.Time) (ordinal int, ok bool) {
	ordinal = -1
	for _, p := range pods {
		if p.revision != revision {
			if p.ordinal > ordinal {
				ordinal = p.ordinal
			}
		} else if !p.ready && now.Sub(p.started) < rollReadyTimeout {
			return 0, false
		}
	}
	return ordinal, ordinal >= 0
}

// counts sums up replicas as a controller does from its pods.
type counts struct {
	replicas, ready, updated, current int32
	// currentRevision is the revision the not yet updated replicas run,
	// the update revision once none is left.
	currentRevision string
}

func count(pods []podState, revision string) counts {
	c := counts{replicas: int32(len(pods)), currentRevision: revision}
	for _, p := range pods {
		if p.ready {
			c.ready++
		}
		if p.revision == revision {
			c.updated++
		} else {
			c.current++
			c.currentRevision = p.revision
		}
	}
	if c.current == 0 { // the roll is done: the update revision is the current one
		c.current = c.updated
	}
	return c
}

// statefulSetStatus is the status the StatefulSet controller would write
// for these replicas (minReadySeconds is not honoured: ready is available).
func statefulSetStatus(s *appsv1.StatefulSet, revision string, pods []podState) appsv1.StatefulSetStatus {
	c := count(pods, revision)
	return appsv1.StatefulSetStatus{
		ObservedGeneration: s.Generation,
		Replicas:           c.replicas,
		ReadyReplicas:      c.ready,
		AvailableReplicas:  c.ready,
		CurrentReplicas:    c.current,
		UpdatedReplicas:    c.updated,
		CurrentRevision:    c.currentRevision,
		UpdateRevision:     revision,
		CollisionCount:     s.Status.CollisionCount,
	}
}

// deploymentStatus is the status the Deployment controller would write for
// these replicas, with its Available condition.
func deploymentStatus(d *appsv1.Deployment, revision string, pods []podState) appsv1.DeploymentStatus {
	c := count(pods, revision)
	status := appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation,
		Replicas:           c.replicas,
		UpdatedReplicas:    c.updated,
		ReadyReplicas:      c.ready,
		AvailableReplicas:  c.ready,
	}
	cond := appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse, Reason: "MinimumReplicasUnavailable", Message: "the local process is not ready"}
	if c.ready == c.replicas {
		cond = appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable", Message: "the local process is ready"}
	}
	if old := availableCondition(d); old != nil && old.Status == cond.Status {
		cond.LastTransitionTime = old.LastTransitionTime
	} else {
		cond.LastTransitionTime = metav1.Now()
	}
	cond.LastUpdateTime = cond.LastTransitionTime
	status.Conditions = []appsv1.DeploymentCondition{cond}
	return status
}

func availableCondition(d *appsv1.Deployment) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == appsv1.DeploymentAvailable {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}
