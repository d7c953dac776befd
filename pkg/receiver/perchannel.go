package receiver

import (
	"sync"

	"knative.dev/eventing/pkg/channel"

	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel/resources"
)

// perChannel keeps one channel.EventReceiver per known channel: eventing's
// receiver verifies OIDC tokens against a single audience, and every channel
// has its own. Building one is cheap, but a request should not pay for it.
type perChannel struct {
	build func(ref channel.ChannelReference, audience string) (*channel.EventReceiver, error)

	mu        sync.RWMutex
	receivers map[channel.ChannelReference]*channel.EventReceiver
}

// get returns the channel's receiver, building it on first use.
func (p *perChannel) get(ref channel.ChannelReference) (*channel.EventReceiver, error) {
	p.mu.RLock()
	r, ok := p.receivers[ref]
	p.mu.RUnlock()
	if ok {
		return r, nil
	}
	r, err := p.build(ref, resources.Audience(ref.Namespace, ref.Name))
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.receivers == nil {
		p.receivers = map[channel.ChannelReference]*channel.EventReceiver{}
	}
	if existing, ok := p.receivers[ref]; ok {
		return existing, nil
	}
	p.receivers[ref] = r
	return r, nil
}

// forget drops a deleted channel's receiver.
func (p *perChannel) forget(ref channel.ChannelReference) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.receivers, ref)
}

// fixedChannel resolves every request to ref: the Handler already routed it.
func fixedChannel(ref channel.ChannelReference) channel.ResolveChannelFromPathFunc {
	return func(string) (channel.ChannelReference, error) { return ref, nil }
}
