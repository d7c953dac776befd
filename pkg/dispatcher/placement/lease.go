package placement

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	coordinationv1informers "k8s.io/client-go/informers/coordination/v1"
	"k8s.io/client-go/kubernetes"
	typedcoordinationv1 "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/utils/ptr"
)

// A replica says it runs by renewing a Lease of its own, named as its pod,
// every RenewInterval while it is ready. The others count it out once it has
// not been renewed for LeaseDuration: a pod Pending for want of room, or on a
// lost node (which its StatefulSet does not replace until the Node object is
// deleted), then hosts nothing. Leases, unlike Pods, exist in the dev
// environment too, which runs replicas as local processes; and they need no
// read access to the namespace's Pods.
const (
	LeaseDuration = 20 * time.Second
	RenewInterval = 5 * time.Second
	// ReadyPoll is how often a replica not yet counted in asks whether it is ready.
	ReadyPoll = 100 * time.Millisecond
	// PoolLabel marks the Leases of a pool, its StatefulSet's name the value,
	// so that a replica watches those and no other.
	PoolLabel = "knative-kafka.dev/dispatcher-pool"
)

// LeaseName is the name of the Lease of the replica of that ordinal: its pod's.
func LeaseName(statefulSet string, ordinal int) string {
	return statefulSet + "-" + strconv.Itoa(ordinal)
}

// Live returns, sorted, the ordinals below replicas that run at now: self,
// which runs since it asks, and each whose Lease of the pool has not expired.
// Every replica reads the same Leases, so all agree but for the moments a
// change takes to reach each; until then two replicas may both host a group,
// which Kafka's group protocol makes safe (they split its partitions). next
// is when the first of those Leases expires, when Live must be asked again;
// zero if none will.
func Live(leases []*coordinationv1.Lease, statefulSet string, self, replicas int, now time.Time) (live []int, next time.Time) {
	if self < replicas {
		live = append(live, self)
	}
	for _, l := range leases {
		o, ok := ordinalOf(l.Name, statefulSet)
		expiry, renewed := expiryOf(l)
		if !ok || o >= replicas || o == self || !renewed || !expiry.After(now) {
			continue
		}
		live = append(live, o)
		if next.IsZero() || expiry.Before(next) {
			next = expiry
		}
	}
	slices.Sort(live)
	return slices.Compact(live), next
}

// ordinalOf reads the ordinal of a Lease named <statefulSet>-<ordinal>.
func ordinalOf(name, statefulSet string) (int, bool) {
	rest, ok := strings.CutPrefix(name, statefulSet+"-")
	if !ok {
		return 0, false
	}
	o, err := strconv.Atoi(rest)
	return o, err == nil && o >= 0 && strconv.Itoa(o) == rest
}

// expiryOf is when a Lease lapses unless renewed; false if it never was.
func expiryOf(l *coordinationv1.Lease) (time.Time, bool) {
	if l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
		return time.Time{}, false
	}
	return l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second), true
}

// LeaseInformer watches the pool's Leases (by PoolLabel), and no other, in
// namespace. The caller starts the factory.
func LeaseInformer(kube kubernetes.Interface, namespace, statefulSet string) (informers.SharedInformerFactory, coordinationv1informers.LeaseInformer) {
	factory := informers.NewSharedInformerFactoryWithOptions(kube, 0,
		informers.WithNamespace(namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.LabelSelector = LeaseSelector(statefulSet).String()
		}))
	return factory, factory.Coordination().V1().Leases()
}

// LeaseSelector selects the Leases of the pool of that StatefulSet.
func LeaseSelector(statefulSet string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{PoolLabel: statefulSet})
}

// Heartbeat renews the replica's Lease every RenewInterval while ready
// returns nil, until ctx ends; failed reports a renewal that failed (the
// next tick tries again). Until ready first returns nil it asks again every
// ReadyPoll: the others count a replica in only from its first renewal, and
// until then it hosts, alone, groups they host too, whose sessions a late
// count-in cuts short (deliveries redone). A replica that stops (ctx ends)
// leaves its Lease to expire rather than releasing it: a restart, back within
// LeaseDuration, then moves no group.
func Heartbeat(ctx context.Context, leases typedcoordinationv1.LeaseInterface, statefulSet string, ordinal int,
	ready func() error, failed func(error)) {
	h := heartbeat{leases: leases, name: LeaseName(statefulSet, ordinal), pool: statefulSet}
	timer := time.NewTimer(0)
	defer timer.Stop()
	renewed := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		next := RenewInterval
		switch {
		case ready() == nil:
			renewed = true
			if err := h.renew(ctx, time.Now()); err != nil && ctx.Err() == nil {
				failed(err)
			}
		case !renewed:
			next = ReadyPoll
		}
		timer.Reset(next)
	}
}

type heartbeat struct {
	leases     typedcoordinationv1.LeaseInterface
	name, pool string
	// last is the Lease as last written, updated from rather than read
	// again: one request per renewal. nil after a failure.
	last *coordinationv1.Lease
}

func (h *heartbeat) renew(ctx context.Context, now time.Time) error {
	l, err := h.write(ctx, now)
	if err != nil {
		l = nil // read it again next time: it may have changed under us
	}
	h.last = l
	return err
}

func (h *heartbeat) write(ctx context.Context, now time.Time) (*coordinationv1.Lease, error) {
	if h.last != nil {
		return h.leases.Update(ctx, h.lease(h.last.DeepCopy(), now), metav1.UpdateOptions{})
	}
	l, err := h.leases.Get(ctx, h.name, metav1.GetOptions{})
	switch {
	case apierrs.IsNotFound(err):
		return h.leases.Create(ctx, h.lease(&coordinationv1.Lease{}, now), metav1.CreateOptions{})
	case err != nil:
		return nil, err
	}
	return h.leases.Update(ctx, h.lease(l, now), metav1.UpdateOptions{})
}

// lease is l renewed at now by this replica.
func (h *heartbeat) lease(l *coordinationv1.Lease, now time.Time) *coordinationv1.Lease {
	l.Name = h.name
	if l.Labels == nil {
		l.Labels = map[string]string{}
	}
	l.Labels[PoolLabel] = h.pool
	renewed := metav1.NewMicroTime(now)
	l.Spec.HolderIdentity = &h.name
	l.Spec.LeaseDurationSeconds = ptr.To(int32(LeaseDuration / time.Second))
	l.Spec.RenewTime = &renewed
	if l.Spec.AcquireTime == nil {
		l.Spec.AcquireTime = &renewed
	}
	return l
}
