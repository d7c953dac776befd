package devenv

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiServerNames are the names a pod reaches the API server by. Eventing's
// OIDC token verifier asks https://kubernetes.default.svc for the issuer's
// discovery document and keys, a name only cluster DNS resolves.
var apiServerNames = []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}

// apiProxy stands in for cluster DNS for those names: the processes of the
// environment get it as HTTPS_PROXY (Go never proxies loopback addresses, so
// every other request goes direct) and it tunnels CONNECTs to the API server.
// The API server's certificate carries the names, so TLS is verified end to end.
type apiProxy struct {
	target string // the API server's host:port
	srv    *http.Server
	URL    string
}

func startAPIProxy(apiServerURL string) (*apiProxy, error) {
	u, err := url.Parse(apiServerURL)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &apiProxy{target: u.Host, URL: "http://" + ln.Addr().String()}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.connect), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *apiProxy) connect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "only CONNECT is proxied", http.StatusMethodNotAllowed)
		return
	}
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil || port != "443" || !isAPIServerName(host) {
		http.Error(w, "the dev environment resolves only the API server's in-cluster names", http.StatusForbidden)
		return
	}
	upstream, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(r.Context(), "tcp", p.target)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	client, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	_, _ = client.Write([]byte("HTTP/1.1 200 Connection Established\r\n\r\n"))
	go pipe(upstream, buf, client)
	go pipe(client, upstream, upstream)
}

// pipe copies until either side ends, then closes both.
func pipe(dst io.WriteCloser, src io.Reader, srcCloser io.Closer) {
	_, _ = io.Copy(dst, src)
	dst.Close()
	srcCloser.Close()
}

func isAPIServerName(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, n := range apiServerNames {
		if host == n {
			return true
		}
	}
	return false
}

func (p *apiProxy) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx)
}

// proxyEnv routes a process's requests for the API server's in-cluster names through the proxy.
func (p *apiProxy) proxyEnv() []string {
	return []string{"HTTPS_PROXY=" + p.URL, "NO_PROXY=127.0.0.1,localhost"}
}
