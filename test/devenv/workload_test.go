package devenv

import (
	"context"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// A StatefulSet scales up by starting the missing ordinals and down by
// stopping the highest ones first; replicas 0 stops them all.
func TestScalingPicksOrdinals(t *testing.T) {
	for _, tc := range []struct {
		name             string
		running          []int
		replicas         int
		wantStop, wantUp []int
	}{
		{"from nothing", nil, 3, nil, []int{0, 1, 2}},
		{"scale up", []int{1, 0}, 4, nil, []int{2, 3}},
		{"scale down, highest first", []int{0, 3, 1, 2}, 2, []int{3, 2}, nil},
		{"to zero", []int{2, 0, 1}, 0, []int{2, 1, 0}, nil},
		{"a gap is refilled, keeping its ordinal", []int{0, 2}, 3, nil, []int{1}},
		{"steady", []int{0, 1}, 2, nil, nil},
	} {
		if got := toStop(tc.running, tc.replicas); !reflect.DeepEqual(got, tc.wantStop) {
			t.Errorf("%s: toStop(%v, %d) = %v, want %v", tc.name, tc.running, tc.replicas, got, tc.wantStop)
		}
		if got := toStart(tc.running, tc.replicas); !reflect.DeepEqual(got, tc.wantUp) {
			t.Errorf("%s: toStart(%v, %d) = %v, want %v", tc.name, tc.running, tc.replicas, got, tc.wantUp)
		}
	}
}

// A template change replaces the replicas highest ordinal first, one at a
// time: the next waits until the one replaced before is ready, or has had
// rollReadyTimeout to become so.
func TestRollOrder(t *testing.T) {
	now := time.Now()
	pods := []podState{
		{ordinal: 0, revision: "old", ready: true, started: now.Add(-time.Hour)},
		{ordinal: 1, revision: "old", ready: true, started: now.Add(-time.Hour)},
		{ordinal: 2, revision: "old", ready: true, started: now.Add(-time.Hour)},
	}
	var order []int
	for step := 0; step < 10; step++ {
		o, ok := nextToRoll(pods, "new", now)
		if !ok {
			break
		}
		order = append(order, o)
		pods[o] = podState{ordinal: o, revision: "new", started: now}
		if _, ok := nextToRoll(pods, "new", now); ok {
			t.Fatalf("after replacing %d the roll went on before it was ready", o)
		}
		if _, ok := nextToRoll(pods, "new", now.Add(rollReadyTimeout)); !ok && o != 0 {
			t.Fatalf("after replacing %d the roll waited past rollReadyTimeout for it", o)
		}
		pods[o].ready = true
	}
	if want := []int{2, 1, 0}; !reflect.DeepEqual(order, want) {
		t.Errorf("rolled %v, want %v", order, want)
	}
	if o, ok := nextToRoll(pods, "new", now); ok {
		t.Errorf("the roll went on (%d) with every replica updated", o)
	}
}

// Scaling a StatefulSet bumps its generation but must not restart its
// replicas; only a template change makes a new revision.
func TestOnlyTheTemplateMakesARevision(t *testing.T) {
	s := fakePodStatefulSet("pool", 2)
	before := statefulSetWorkload(s).revision
	s.Spec.Replicas = ptr.To[int32](5)
	s.Generation++
	if got := statefulSetWorkload(s).revision; got != before {
		t.Errorf("scaling changed the revision %s to %s", before, got)
	}
	s.Spec.Template.Spec.Containers[0].Env = append(s.Spec.Template.Spec.Containers[0].Env, corev1.EnvVar{Name: "X", Value: "1"})
	if got := statefulSetWorkload(s).revision; got == before {
		t.Errorf("a template change kept the revision %s", got)
	}
}

// The status is what the StatefulSet controller would write: mid-roll the
// old replicas are current and the new ones updated; after it, all are both.
func TestStatefulSetStatus(t *testing.T) {
	s := fakePodStatefulSet("pool", 3)
	s.Generation = 4
	s.Status.CollisionCount = ptr.To[int32](1)
	for _, tc := range []struct {
		name string
		pods []podState
		want appsv1.StatefulSetStatus
	}{{
		name: "mid-roll, one replica not ready",
		pods: []podState{{ordinal: 0, revision: "pool-a", ready: true}, {ordinal: 1, revision: "pool-a", ready: true}, {ordinal: 2, revision: "pool-b"}},
		want: appsv1.StatefulSetStatus{ObservedGeneration: 4, Replicas: 3, ReadyReplicas: 2, AvailableReplicas: 2,
			CurrentReplicas: 2, UpdatedReplicas: 1, CurrentRevision: "pool-a", UpdateRevision: "pool-b", CollisionCount: ptr.To[int32](1)},
	}, {
		name: "rolled out",
		pods: []podState{{ordinal: 0, revision: "pool-b", ready: true}, {ordinal: 1, revision: "pool-b", ready: true}, {ordinal: 2, revision: "pool-b", ready: true}},
		want: appsv1.StatefulSetStatus{ObservedGeneration: 4, Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 3,
			CurrentReplicas: 3, UpdatedReplicas: 3, CurrentRevision: "pool-b", UpdateRevision: "pool-b", CollisionCount: ptr.To[int32](1)},
	}, {
		name: "scaled to zero",
		want: appsv1.StatefulSetStatus{ObservedGeneration: 4, CurrentRevision: "pool-b", UpdateRevision: "pool-b", CollisionCount: ptr.To[int32](1)},
	}} {
		got := statefulSetStatus(s, "pool-b", tc.pods)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
		s.Status = got
		if err := statefulSetReady(s, 3); (err == nil) != (tc.name == "rolled out") {
			t.Errorf("%s: statefulSetReady = %v", tc.name, err)
		}
	}
}

// Each replica learns its own pod name from fieldRef metadata.name (the
// dispatcher pool derives its ordinal from POD_NAME); a Deployment's process
// keeps "<deployment>-local".
func TestPodNameResolvesPerReplica(t *testing.T) {
	r := &runner{}
	name := &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}
	ns := &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}
	sa := &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.serviceAccountName"}}
	sts := statefulSetWorkload(fakePodStatefulSet("kafka-channel-dispatcher", 3))
	d := deploymentWorkload(&appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "kafka-channel-receiver", Namespace: SystemNamespace},
		Spec:       appsv1.DeploymentSpec{Template: *sts.template, Replicas: ptr.To[int32](1)},
	})
	for _, tc := range []struct {
		w       *workload
		ordinal int
		src     *corev1.EnvVarSource
		want    string
	}{
		{sts, 0, name, "kafka-channel-dispatcher-0"},
		{sts, 2, name, "kafka-channel-dispatcher-2"},
		{sts, 2, ns, SystemNamespace},
		{sts, 1, sa, "fakepod"},
		{d, 0, name, "kafka-channel-receiver-local"},
	} {
		got, err := r.valueFrom(context.Background(), tc.w, tc.ordinal, corev1.Container{}, tc.src)
		if err != nil || got != tc.want {
			t.Errorf("%s replica %d, %s = %q, %v; want %q", tc.w.key, tc.ordinal, tc.src.FieldRef.FieldPath, got, err, tc.want)
		}
	}
	if got := sts.procName(1); got != "kafka-channel-dispatcher-1" {
		t.Errorf("replica 1's process is named %q, want its pod's name (log file, ps title)", got)
	}
}

// fakePodStatefulSet runs the fake pod of this package's tests (see TestMain)
// as replicas, ready on PORT's /readyz.
func fakePodStatefulSet(name string, replicas int32) *appsv1.StatefulSet {
	labels := map[string]string{"app": name}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: SystemNamespace},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					ServiceAccountName: "fakepod",
					Containers: []corev1.Container{{
						Name:  "fakepod",
						Image: koPrefix + "github.com/knative-kafka/knative-kafka/cmd/fakepod",
						Env: []corev1.EnvVar{
							{Name: fakePodEnv, Value: "1"},
							{Name: "VERSION", Value: "1"},
							{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
						},
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
						ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
							HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromString("http")},
						}},
					}},
				},
			},
		},
	}
}
