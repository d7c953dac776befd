package receiver

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
	"k8s.io/client-go/tools/cache"
	"knative.dev/eventing/pkg/apis/feature"
	"knative.dev/eventing/pkg/auth"
	eventpolicyinformer "knative.dev/eventing/pkg/client/injection/informers/eventing/v1alpha1/eventpolicy"
	"knative.dev/eventing/pkg/eventingtls"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	configmapinformer "knative.dev/pkg/injection/clients/namespacedkube/informers/core/v1/configmap"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/system"

	kafkachannelinformer "github.com/knative-kafka/knative-kafka/pkg/client/injection/informers/messaging/v1beta1/kafkachannel"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/servertls"
)

// PortEnv names the environment variable of the listen port; the receiver
// Service maps port 80 to it. HTTPSPortEnv names that of the HTTPS port of
// Knative's transport encryption, which the Service maps 443 to.
const (
	PortEnv          = "PORT"
	DefaultPort      = "8080"
	HTTPSPortEnv     = "HTTPS_PORT"
	DefaultHTTPSPort = "8443"
	// MaxInFlightEnv names the environment variable that caps the requests a
	// replica serves at once (Options.MaxInFlight); set it with the
	// container's memory limit.
	MaxInFlightEnv = "MAX_IN_FLIGHT_REQUESTS"
	// BodyTimeoutEnv names the environment variable of Options.BodyTimeout,
	// a Go duration such as "10s".
	BodyTimeoutEnv = "REQUEST_BODY_TIMEOUT"
)

// Command runs the receiver inside knative.dev/pkg sharedmain.
type Command struct {
	started sync.Once
	done    chan struct{}
}

// NewCommand returns a Command; pass its NewController to sharedmain and call
// WaitForShutdown once sharedmain returned.
func NewCommand() *Command {
	return &Command{done: make(chan struct{})}
}

// NewController wires the receiver to the KafkaChannel informer, the Kafka
// Secret and config-kafka, and starts serving. sharedmain runs controllers;
// the receiver reconciles nothing, so the returned controller has an empty
// queue and exists only to fit that frame (informers, logging,
// observability and config watching come from it).
func (c *Command) NewController(ctx context.Context, cmw configmap.Watcher) *controller.Impl {
	logger := logging.FromContext(ctx)
	informer := kafkachannelinformer.Get(ctx)
	watcher := client.NewWatcher(ctx, cmw, contract.ReceiverName)
	producer := NewProducer(watcher, logger.Desugar(), DefaultProduceTimeout)
	features := feature.NewStore(logger.Named("feature-config-store"))
	features.WatchConfigs(cmw)
	// Trust bundles matter only for an OIDC issuer other than the API server.
	trustBundles := configmapinformer.Get(ctx).Lister().ConfigMaps(system.Namespace())
	verifier := auth.NewVerifier(ctx, eventpolicyinformer.Get(ctx).Lister(), trustBundles, cmw)
	maxInFlight, err := positiveEnv(MaxInFlightEnv, strconv.Atoi)
	if err != nil {
		logger.Fatalw("Invalid "+MaxInFlightEnv, zap.Error(err))
	}
	bodyTimeout, err := positiveEnv(BodyTimeoutEnv, time.ParseDuration)
	if err != nil {
		logger.Fatalw("Invalid "+BodyTimeoutEnv, zap.Error(err))
	}
	handler, err := NewHandler(Options{
		Channels: informer.Lister(), Producer: producer, Logger: logger.Desugar(),
		WithFeatures: features.ToContext, Verifier: verifier, MaxInFlight: maxInFlight, BodyTimeout: bodyTimeout,
	})
	if err != nil {
		logger.Fatalw("Cannot create the receiver", zap.Error(err))
	}
	informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj interface{}) { producer.FollowGrowth(obj) },
	})
	// Until the cache synced, known channels would look unknown (404).
	synced := informer.Informer().HasSynced
	server := &Server{Handler: handler, Logger: logger.Desugar(), Features: features.Load, Ready: func() error {
		if !synced() {
			return errors.New("KafkaChannel informer not synced yet")
		}
		if features.Load().IsOIDCAuthentication() && !verifier.IsReady() {
			return errors.New("OIDC is on and the token verifier has no issuer configuration yet")
		}
		return producer.Ready()
	}}
	ln, err := net.Listen("tcp", ":"+envOr(PortEnv, DefaultPort))
	if err != nil {
		logger.Fatalw("Cannot listen", zap.Error(err))
	}
	server.Certificate = servertls.GetCertificate(ctx)
	if server.Secure, err = listenTLS(server.Certificate); err != nil {
		logger.Fatalw("Cannot listen for HTTPS", zap.Error(err))
	}
	c.started.Do(func() { go c.run(ctx, server, producer, ln) })
	return controller.NewContext(ctx, noopReconciler{}, controller.ControllerOptions{
		WorkQueueName: "KafkaChannelReceiver",
		Logger:        logger,
	})
}

// run serves until ctx is done; the producer outlives the server so that the
// requests answered while draining can still reach Kafka.
func (c *Command) run(ctx context.Context, server *Server, producer *Producer, ln net.Listener) {
	defer close(c.done)
	logger := logging.FromContext(ctx)
	producerCtx, stopProducer := context.WithCancel(context.WithoutCancel(ctx))
	producerDone := make(chan struct{})
	go func() {
		defer close(producerDone)
		producer.Run(producerCtx)
	}()
	logger.Infow("Receiver listening", zap.String("address", ln.Addr().String()),
		zap.String("https", server.Secure.Addr().String()))
	if err := server.Serve(ctx, ln); err != nil {
		logger.Errorw("Receiver stopped with an error", zap.Error(err))
	}
	stopProducer()
	<-producerDone
}

// WaitForShutdown blocks until a started receiver answered its in-flight
// requests and closed its Kafka producer.
func (c *Command) WaitForShutdown() {
	ran := true
	c.started.Do(func() { ran = false })
	if ran {
		<-c.done
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// listenTLS listens on the HTTPS port with the certificate of the
// servertls Secret as it is at each handshake, so that cert-manager's
// renewals take effect without a restart. Without the Secret, handshakes
// fail with an error naming it, and plain HTTP goes on (see
// Server.certificateReady for strict mode).
func listenTLS(certificate eventingtls.GetCertificate) (net.Listener, error) {
	cfg, err := eventingtls.GetTLSServerConfig(eventingtls.ServerConfig{GetCertificate: certificate})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", ":"+envOr(HTTPSPortEnv, DefaultHTTPSPort))
	if err != nil {
		return nil, err
	}
	return tls.NewListener(ln, cfg), nil
}

// positiveEnv is the value of the named environment variable, which must be
// above 0; 0 (the default) when unset.
func positiveEnv[T int | time.Duration](name string, parse func(string) (T, error)) (T, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	n, err := parse(v)
	if err == nil && n <= 0 {
		err = errors.New("must be above 0")
	}
	return n, err
}

// noopReconciler is the Reconciler of the receiver's placeholder controller.
type noopReconciler struct{}

func (noopReconciler) Reconcile(context.Context, string) error { return nil }
