package admin

import (
	"testing"
	"time"
)

func TestEnsuredTopics(t *testing.T) {
	now := time.Now()
	e := &EnsuredTopics{Interval: time.Minute, Now: func() time.Time { return now }}
	spec := TopicSpec{NumPartitions: 3, ReplicationFactor: 1}
	if e.Fresh("t", "f", spec) {
		t.Error("a topic never ensured is fresh")
	}
	e.Record("t", "f", spec)
	if !e.Fresh("t", "f", spec) {
		t.Error("a topic just ensured is not fresh")
	}
	grown := spec
	grown.NumPartitions = 4
	if e.Fresh("t", "f", grown) || e.Fresh("t", "g", spec) || e.Fresh("u", "f", spec) {
		t.Error("fresh for another spec, other settings or another topic")
	}
	// A channel deleted and made again under the same name must get its topic back.
	e.Forget("t")
	if e.Fresh("t", "f", spec) {
		t.Error("a forgotten topic is fresh")
	}
	e.Record("t", "f", spec)
	now = now.Add(time.Minute)
	if e.Fresh("t", "f", spec) {
		t.Error("fresh after the interval")
	}
	var none *EnsuredTopics
	none.Record("t", "f", spec)
	if none.Fresh("t", "f", spec) {
		t.Error("a nil EnsuredTopics remembers")
	}
}
