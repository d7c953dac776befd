package client

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/system"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

// Snapshot is the Kafka configuration in force: Settings built from the Secret and
// config-kafka, or the error that prevents building them.
type Snapshot struct {
	Settings *Settings
	Kafka    *config.Kafka
	Err      error
	// KafkaErr tells why the latest config-kafka was refused. Kafka (and
	// Settings) then hold the last valid one, or the built-in defaults.
	KafkaErr error
}

// Watcher follows the Kafka Secret and config-kafka in the system namespace,
// so that a component picks up their changes without a restart.
type Watcher struct {
	clientID string

	mu        sync.Mutex
	secret    func() (*corev1.Secret, error)
	kafka     func() *config.Kafka
	kafkaErr  func() error
	listeners []func(Snapshot)
	// snapshot caches Current until the next change: building Settings parses
	// the Secret and makes a Sarama config, and a dispatcher pool reads the
	// settings for every group of every channel it places.
	snapshot *Snapshot
	// generation counts changes, so that a snapshot built from the state
	// before a change is not cached after it.
	generation uint64
}

// NewWatcher starts following the Secret (through the informer of the Kafka
// Secret, see secretinformer.go) and config-kafka (through cmw).
func NewWatcher(ctx context.Context, cmw configmap.Watcher, clientID string) *Watcher {
	informer := secretInformer(ctx)
	secrets := informer.Lister().Secrets(system.Namespace())
	w := &Watcher{clientID: clientID, secret: func() (*corev1.Secret, error) { return FindSecret(secrets) }}
	store := config.NewStore(logging.FromContext(ctx).Named("config-kafka"), func(string, interface{}) { w.notify() })
	w.kafka, w.kafkaErr = store.Load, store.Err
	store.WatchConfigs(cmw)
	informer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: isKafkaSecret,
		Handler:    controller.HandleAll(func(interface{}) { w.notify() }),
	})
	return w
}

// NewStaticWatcher serves a fixed Secret and config-kafka, for tests and tools
// that run without an API server; Set replaces them.
func NewStaticWatcher(secretData map[string][]byte, kafka *config.Kafka, clientID string) *Watcher {
	w := &Watcher{clientID: clientID}
	w.set(secretData, kafka)
	return w
}

// Set replaces a static watcher's Secret data and config-kafka and notifies listeners.
func (w *Watcher) Set(secretData map[string][]byte, kafka *config.Kafka) {
	w.set(secretData, kafka)
	w.notify()
}

func (w *Watcher) set(secretData map[string][]byte, kafka *config.Kafka) {
	if kafka == nil {
		kafka = config.Default()
	}
	secret := &corev1.Secret{Data: secretData}
	secret.Name, secret.Namespace = "kafka", system.Namespace()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.secret = func() (*corev1.Secret, error) { return secret, nil }
	w.kafka = func() *config.Kafka { return kafka }
	w.kafkaErr = func() error { return nil }
	w.invalidateLocked()
}

func (w *Watcher) invalidateLocked() {
	w.snapshot = nil
	w.generation++
}

// OnChange registers f to be called with every new snapshot.
func (w *Watcher) OnChange(f func(Snapshot)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.listeners = append(w.listeners, f)
}

// Current is the snapshot of the Secret and config-kafka as they are now,
// built once per change. Its Settings are shared: callers copy what they change.
func (w *Watcher) Current() Snapshot {
	w.mu.Lock()
	if s := w.snapshot; s != nil {
		w.mu.Unlock()
		return *s
	}
	secretOf, kafkaOf, kafkaErrOf, generation := w.secret, w.kafka, w.kafkaErr, w.generation
	w.mu.Unlock()
	snap := build(secretOf, kafkaOf(), kafkaErrOf(), w.clientID)
	w.mu.Lock()
	if w.generation == generation {
		w.snapshot = &snap
	}
	w.mu.Unlock()
	return snap
}

func build(secretOf func() (*corev1.Secret, error), kafka *config.Kafka, kafkaErr error, clientID string) Snapshot {
	secret, err := secretOf()
	if err != nil {
		return Snapshot{Kafka: kafka, Err: err, KafkaErr: kafkaErr}
	}
	s, err := NewSettingsFromSecret(secret, kafka, clientID)
	return Snapshot{Settings: s, Kafka: kafka, Err: err, KafkaErr: kafkaErr}
}

func (w *Watcher) notify() {
	w.mu.Lock()
	w.invalidateLocked()
	w.mu.Unlock()
	snap := w.Current()
	w.mu.Lock()
	listeners := append([]func(Snapshot){}, w.listeners...)
	w.mu.Unlock()
	for _, f := range listeners {
		f(snap)
	}
}

// FindSecret returns the Kafka Secret: SecretName, labelled SecretLabel=true.
// A labelled Secret of another name is not it: the receiver and the
// dispatchers may read that name alone.
func FindSecret(secrets corev1listers.SecretNamespaceLister) (*corev1.Secret, error) {
	s, err := secrets.Get(SecretName)
	if apierrs.IsNotFound(err) || (err == nil && !isKafkaSecret(s)) {
		return nil, fmt.Errorf("no Secret %s labelled %s=true in namespace %s: the Kafka Secret must have this name and label",
			SecretName, SecretLabel, system.Namespace())
	}
	if err != nil {
		return nil, fmt.Errorf("reading the Kafka Secret %s: %w", SecretName, err)
	}
	return s, nil
}

func isKafkaSecret(obj interface{}) bool {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	s, ok := obj.(*corev1.Secret)
	return ok && s.Name == SecretName && s.Labels[SecretLabel] == "true"
}
