package admin

import (
	"testing"
	"time"
)

func TestEnsuredTopics(t *testing.T) {
	now := time.Now()
	e := &EnsuredTopics{Interval: time.Minute, Now: func() time.Time { return now }}
	spec := TopicSpec{NumPartitions: 3, ReplicationFactor: 1}
	fresh := func(topic, fingerprint string, spec TopicSpec) bool {
		ok, _ := e.Fresh(topic, fingerprint, spec)
		return ok
	}
	if fresh("t", "f", spec) {
		t.Error("a topic never ensured is fresh")
	}
	e.Record("t", "f", spec, true)
	if ok, created := e.Fresh("t", "f", spec); !ok || !created {
		t.Errorf("a topic just created: fresh %v, created %v; want both", ok, created)
	}
	grown := spec
	grown.NumPartitions = 4
	if fresh("t", "f", grown) || fresh("t", "g", spec) || fresh("u", "f", spec) {
		t.Error("fresh for another spec, other settings or another topic")
	}
	// A channel deleted and made again under the same name must get its topic back.
	e.Forget("t")
	if fresh("t", "f", spec) {
		t.Error("a forgotten topic is fresh")
	}
	e.Record("t", "f", spec, false)
	if _, created := e.Fresh("t", "f", spec); created {
		t.Error("an adopted topic reported as created")
	}
	now = now.Add(time.Minute)
	if fresh("t", "f", spec) {
		t.Error("fresh after the interval")
	}
	var none *EnsuredTopics
	none.Record("t", "f", spec, true)
	if ok, _ := none.Fresh("t", "f", spec); ok {
		t.Error("a nil EnsuredTopics remembers")
	}
}
