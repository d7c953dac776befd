package kafkachannel

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgotesting "k8s.io/client-go/testing"
	logtesting "knative.dev/pkg/logging/testing"
	. "knative.dev/pkg/reconciler/testing"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	. "github.com/knative-kafka/knative-kafka/pkg/reconciler/testing"
)

// keptRunning ends the ConfigurationReady message of a refused config-kafka.
const keptRunning = "; the receiver and the dispatchers keep running on the last valid config-kafka, and the controller changes no channel until it is fixed"

func TestConfigurationReadyReasons(t *testing.T) {
	badNumber := refusedConfigKafka(t, map[string]string{config.NumPartitionsKey: "three"})
	badFlavor := refusedConfigKafka(t, map[string]string{config.FlavorKey: "pulsar"})
	authErr := fmt.Errorf("connecting to Kafka at [127.0.0.1:9092]: %w", sarama.Wrap(sarama.ErrOutOfBrokers,
		sarama.Wrap(sarama.ErrSASLAuthenticationFailed, errors.New("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"))))
	unreachable := errors.New("connecting to Kafka at [127.0.0.1:9092]: kafka: client has run out of available brokers to talk to: dial tcp 127.0.0.1:9092: connect: connection refused")
	scram := func(kv ...string) map[string][]byte {
		return secretOf(append([]string{client.BrokersKey, "127.0.0.1:9092", client.ProtocolKey, client.SASLPlaintext,
			client.SASLMechanismKey, sarama.SASLTypeSCRAMSHA512, client.UserKey, "knative"}, kv...)...)
	}

	table := TableTest{
		configFailed("config-kafka with a bad number", &rowKafka{kafkaErr: badNumber},
			ReasonInvalidConfigKafka, badNumber.Error()+keptRunning, badNumber.Error()),
		configFailed("config-kafka with an unknown flavor", &rowKafka{kafkaErr: badFlavor},
			ReasonInvalidConfigKafka, badFlavor.Error()+keptRunning, badFlavor.Error()),
		secretFailed("Secret without brokers", secretOf(client.ProtocolKey, client.Plaintext),
			`Secret knative-testing/kafka: the Kafka Secret has no "brokers" (comma-separated host:port list)`),
		secretFailed("Secret with an unknown SASL mechanism", secretOf(client.BrokersKey, "127.0.0.1:9092", client.ProtocolKey, client.SASLPlaintext,
			client.SASLMechanismKey, "GSSAPI", client.UserKey, "u", client.PasswordKey, "p"),
			`Secret knative-testing/kafka: unknown sasl.mechanism "GSSAPI", want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`),
		secretFailed("Secret with a CA that is not PEM", secretOf(client.BrokersKey, "127.0.0.1:9093", client.ProtocolKey, client.SSL,
			client.CACertKey, "not a certificate"),
			`Secret knative-testing/kafka: "ca.crt" holds no PEM certificate`),
		configFailed("wrong password", &rowKafka{secret: scram(client.PasswordKey, "wrong"), connectErr: authErr},
			ReasonKafkaAuthenticationFailed, `Kafka refused the credentials of user "knative" (SCRAM-SHA-512) from the Kafka Secret: `+authErr.Error(), authErr.Error()),
		configFailed("Kafka unreachable", &rowKafka{connectErr: unreachable},
			ReasonKafkaUnreachable, unreachable.Error(), unreachable.Error()),
		{
			Name: "config-kafka refused: a ready channel turns ConfigurationReady false and keeps its resources",
			Key:  kcKey,
			Ctx:  withKafka(&rowKafka{kafkaErr: badNumber}),
			Objects: []runtime.Object{
				NewKafkaChannel(kcName, testNS, readyStatus()...),
				dispatcher(corev1.ConditionTrue), receiver(), channelService(),
			},
			WantErr: true,
			WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
				Object: NewKafkaChannel(kcName, testNS, append(readyStatus(), WithConfigFailed(ReasonInvalidConfigKafka, badNumber.Error()+keptRunning))...),
			}},
			WantEvents: []string{Eventf(corev1.EventTypeWarning, "InternalError", "%s", badNumber.Error())},
		}, {
			// The policy in force could be the built-in "delete" where the operator meant "retain".
			Name:                    "config-kafka refused: a deleted channel keeps its topic and finalizer",
			Key:                     kcKey,
			SkipNamespaceValidation: true,
			Ctx:                     withKafka(&rowKafka{kafkaErr: badNumber}),
			Objects: []runtime.Object{
				NewKafkaChannel(kcName, testNS, append(readyStatus(), WithDeleted)...),
				dispatcher(corev1.ConditionTrue),
			},
			WantErr:     true,
			WantDeletes: []clientgotesting.DeleteActionImpl{dispatcherDelete()},
			WantEvents:  []string{Eventf(corev1.EventTypeWarning, "InternalError", "deleting topic %s: %s", topic, badNumber.Error())},
		},
	}
	table.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
}

// configFailed is a row where a new channel gets ConfigurationReady=False and nothing else is done.
func configFailed(name string, k *rowKafka, reason, message, event string) TableRow {
	return TableRow{
		Name:    name + ": ConfigurationReady false, nothing created",
		Key:     kcKey,
		Ctx:     withKafka(k),
		Objects: []runtime.Object{NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer)},
		WantErr: true,
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer, WithObservedGeneration, WithInitConditions, WithConfigFailed(reason, message)),
		}},
		WantEvents: []string{Eventf(corev1.EventTypeWarning, "InternalError", "%s", event)},
	}
}

func secretFailed(name string, secret map[string][]byte, message string) TableRow {
	return configFailed(name, &rowKafka{secret: secret}, ReasonInvalidKafkaSecret, message, "kafka configuration: "+message)
}

func secretOf(kv ...string) map[string][]byte {
	out := map[string][]byte{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = []byte(kv[i+1])
	}
	return out
}

// refusedConfigKafka is the error client.Watcher reports for config-kafka with data.
func refusedConfigKafka(t *testing.T, data map[string]string) error {
	t.Helper()
	_, err := config.NewKafkaFromConfigMap(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: systemNS, Name: config.ConfigMapName}, Data: data})
	if err == nil {
		t.Fatalf("config-kafka %v accepted", data)
	}
	return err
}

// TestWrongPasswordAgainstBroker connects the real admin with a wrong password.
// kfake closes the connection on a failed authentication, which a client
// cannot tell from an outage; Apache Kafka first answers SaslAuthenticate with
// SASL_AUTHENTICATION_FAILED and a message, and the broker here is made to
// answer so.
func TestWrongPasswordAgainstBroker(t *testing.T) {
	const user, password = "knative", "right"
	b := kafkatest.Start(t, kfake.EnableSASL(), kfake.Superuser(sarama.SASLTypePlaintext, user, password))
	refuseAsKafka(b.Cluster, user, password)
	secret := func(password string) map[string][]byte {
		return secretOf(client.BrokersKey, strings.Join(b.Addrs, ","), client.ProtocolKey, client.SASLPlaintext,
			client.SASLMechanismKey, sarama.SASLTypePlaintext, client.UserKey, user, client.PasswordKey, password)
	}

	for _, tc := range []struct {
		password string
		want     corev1.ConditionStatus
		reason   string
	}{
		{password: "wrong", want: corev1.ConditionFalse, reason: ReasonKafkaAuthenticationFailed},
		{password: password, want: corev1.ConditionTrue},
	} {
		r := &Reconciler{
			Kafka:  client.NewStaticWatcher(secret(tc.password), config.Default(), "test").Current,
			Admins: &admin.Cache{New: admin.New},
		}
		kc := NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher)
		kc.Status.InitializeConditions()
		if _, adm, err := r.connect(kc); err == nil {
			_ = adm.Close()
		}
		cond := kc.Status.GetCondition(v1beta1.KafkaChannelConditionConfigurationReady)
		if cond.Status != tc.want || cond.Reason != tc.reason {
			t.Errorf("password %q: ConfigurationReady %s, reason %q (%s); want %s, %q", tc.password, cond.Status, cond.Reason, cond.Message, tc.want, tc.reason)
		}
		t.Logf("password %q: %s %s: %s", tc.password, cond.Status, cond.Reason, cond.Message)
		if tc.reason != "" && !strings.Contains(cond.Message, fmt.Sprintf("%q (PLAIN)", user)) {
			t.Errorf("message %q does not name the user and mechanism", cond.Message)
		}
	}
}

// refuseAsKafka answers a PLAIN authentication with other credentials than
// user's as Apache Kafka does; the right ones are left to kfake.
func refuseAsKafka(c *kfake.Cluster, user, password string) {
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(req kmsg.Request) (kmsg.Response, error, bool) {
		auth := req.(*kmsg.SASLAuthenticateRequest)
		// PLAIN: authzid NUL user NUL password.
		if parts := bytes.Split(auth.SASLAuthBytes, []byte{0}); len(parts) == 3 && string(parts[1]) == user && string(parts[2]) == password {
			return nil, nil, false
		}
		c.KeepControl()
		resp := auth.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		msg := "Authentication failed: Invalid username or password"
		resp.ErrorMessage = &msg
		return resp, nil, true
	})
}
