package dispatcher

import (
	"testing"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

// held is the model's bound on what one group's buffers keep alive (doc.go,
// "Memory"): responses of up to one largest record.
func held(n bufferNeeds, b buffers) int64 {
	return int64(n.partitions) * int64(b.channel+n.inFlight+2) * n.maxRecord
}

// fetchOf is the fetch size for records of up to maxRecord bytes.
func fetchOf(maxRecord int64) int32 { return int32(min(maxRecord, 64<<10)) }

func TestSizeBuffersWithinBudget(t *testing.T) {
	defaults := config.Default()
	small, err := config.NewKafkaFromMap(map[string]string{config.MaxEventBytesKey: "65536"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		kafka *config.Kafka
		needs bufferNeeds
	}{
		{"10 subscribers x 4 partitions, 1 MiB events", defaults, bufferNeeds{budget: 218 << 20, groups: 10, partitions: 4, inFlight: 1}},
		{"1 subscriber x 1 partition", defaults, bufferNeeds{budget: 218 << 20, groups: 1, partitions: 1, inFlight: 1}},
		{"unordered:16", defaults, bufferNeeds{budget: 218 << 20, groups: 2, partitions: 3, inFlight: 16}},
		{"64 KiB events", small, bufferNeeds{budget: 32 << 20, groups: 5, partitions: 6, inFlight: 1}},
		{"64 KiB events, queue capped", small, bufferNeeds{budget: 218 << 20, groups: 1, partitions: 1, inFlight: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.needs
			n.maxRecord = tc.kafka.MaxRecordBytes()
			b, fits := sizeBuffers(n, sarama.NewConfig(), tc.kafka)
			if !fits {
				t.Fatalf("sizeBuffers(%+v) does not fit", n)
			}
			if want := fetchOf(n.maxRecord); b.fetchDefault != want || b.fetchMaxBytes != want {
				t.Errorf("fetch sizes %d/%d, want %d", b.fetchDefault, b.fetchMaxBytes, want)
			}
			if got := int64(n.groups) * held(n, b); got > n.budget {
				t.Errorf("%+v: groups hold up to %d bytes, over the budget %d", b, got, n.budget)
			}
			// The queues are as long as the budget allows, up to Sarama's default.
			if more := (buffers{channel: b.channel + 1}); b.channel < maxChannelBuffer && int64(n.groups)*held(n, more) <= n.budget {
				t.Errorf("%+v: a longer queue (%d) would still fit the budget", b, more.channel)
			}
		})
	}
}

func TestSizeBuffersExample(t *testing.T) {
	// The default 500Mi limit (436 MiB for Go, half of it for buffers), 10
	// subscribers of a 4-partition channel, 1 MiB events: 5.45 MiB per
	// partition is 5 responses of up to 1 MiB + 64 KiB (one record), of
	// which 3 are for the record being delivered, the one waiting and the
	// fetch being handed over, which leaves 2 records queued. Fetches ask
	// for 64 KiB: a larger record still comes, alone in its response.
	n := bufferNeeds{budget: bufferBudget(500<<20, config.DefaultDispatcherBufferPercent), maxRecord: config.Default().MaxRecordBytes(), groups: 10, partitions: 4, inFlight: 1}
	b, fits := sizeBuffers(n, sarama.NewConfig(), config.Default())
	want := buffers{fetchDefault: 64 << 10, fetchMaxBytes: 64 << 10, channel: 2}
	if b != want || !fits {
		t.Errorf("sizeBuffers(%+v) = %+v, %v; want %+v, true", n, b, fits, want)
	}
}

func TestSizeBuffersTooSmall(t *testing.T) {
	n := bufferNeeds{budget: 16 << 20, maxRecord: config.Default().MaxRecordBytes(), groups: 10, partitions: 4, inFlight: 1}
	b, fits := sizeBuffers(n, sarama.NewConfig(), config.Default())
	if fits {
		t.Error("10 x 4 partitions of 1 MiB records reported to fit in 16 MiB")
	}
	// The smallest buffers that still read every record.
	if want := (buffers{fetchDefault: fetchOf(n.maxRecord), fetchMaxBytes: fetchOf(n.maxRecord)}); b != want {
		t.Errorf("buffers %+v, want %+v: no queue", b, want)
	}
}

func TestSizeBuffersWithoutLimit(t *testing.T) {
	base := sarama.NewConfig()
	b, fits := sizeBuffers(bufferNeeds{maxRecord: 1 << 20, groups: 10, partitions: 4, inFlight: 1}, base, config.Default())
	want := buffers{fetchDefault: base.Consumer.Fetch.Default, fetchMaxBytes: base.Consumer.Fetch.MaxBytes, channel: base.ChannelBufferSize}
	if b != want || !fits {
		t.Errorf("without a memory limit: %+v, %v; want Sarama's settings %+v", b, fits, want)
	}
}

func TestSizeBuffersOperatorOverridesWin(t *testing.T) {
	k, err := config.NewKafkaFromMap(map[string]string{config.SaramaKey: "Consumer:\n  Fetch:\n    Default: 32768\nChannelBufferSize: 64\n"})
	if err != nil {
		t.Fatal(err)
	}
	base := sarama.NewConfig() // as client.NewSettings builds it: the overrides applied
	if err := k.ApplySarama(base); err != nil {
		t.Fatal(err)
	}
	n := bufferNeeds{budget: 64 << 20, maxRecord: k.MaxRecordBytes(), groups: 2, partitions: 2, inFlight: 1}
	b, _ := sizeBuffers(n, base, k)
	if b.fetchDefault != 32768 || b.channel != 64 {
		t.Errorf("buffers %+v: the operator's Consumer.Fetch.Default 32768 and ChannelBufferSize 64 must win", b)
	}
	if want := fetchOf(n.maxRecord); b.fetchMaxBytes != want || want == base.Consumer.Fetch.MaxBytes {
		t.Errorf("Consumer.Fetch.MaxBytes %d, want %d: a field the operator left out is sized", b.fetchMaxBytes, want)
	}
	cfg := consumerConfig(base, b)
	if cfg.Consumer.Fetch.Default != 32768 || cfg.ChannelBufferSize != 64 || cfg.Consumer.Fetch.MaxBytes != b.fetchMaxBytes {
		t.Errorf("consumer config: Fetch.Default %d, ChannelBufferSize %d, Fetch.MaxBytes %d", cfg.Consumer.Fetch.Default, cfg.ChannelBufferSize, cfg.Consumer.Fetch.MaxBytes)
	}
}

// A running group restarts only when its buffers no longer fit: more
// subscribers or a larger event limit; fewer subscribers leave it alone.
func TestConsumerKeyKeepsBuffersThatFit(t *testing.T) {
	size := func(groups int, kafka *config.Kafka) consumerKey {
		n := bufferNeeds{budget: 218 << 20, maxRecord: kafka.MaxRecordBytes(), groups: groups, partitions: 4, inFlight: 1}
		b, _ := sizeBuffers(n, sarama.NewConfig(), kafka)
		return consumerKey{topic: "t", fingerprint: "f", inFlight: 1, buffers: b}
	}
	larger, err := config.NewKafkaFromMap(map[string]string{config.MaxEventBytesKey: "2097152"})
	if err != nil {
		t.Fatal(err)
	}
	running := size(4, config.Default())
	for _, tc := range []struct {
		name string
		want consumerKey
		keep bool
	}{
		{"same", size(4, config.Default()), true},
		{"fewer subscribers", size(2, config.Default()), true},
		{"more subscribers", size(10, config.Default()), false},
		{"larger events", size(4, larger), false},
		{"other fingerprint", consumerKey{topic: "t", fingerprint: "g", inFlight: 1, buffers: running.buffers}, false},
	} {
		if got := running.keeps(tc.want); got != tc.keep {
			t.Errorf("%s: keeps = %v, want %v (running %+v, wanted %+v)", tc.name, got, tc.keep, running.buffers, tc.want.buffers)
		}
	}
}
