//go:build node

package node

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// What hack/test.sh installs, hack/ko-resolve.sh's release.yaml, runs on a
// real node: every image it names has a numeric user other than root (a
// kubelet refuses to start a runAsNonRoot container otherwise: "container has
// runAsNonRoot and image will run as root"), the runAsUser of a container that
// sets one. Needs no node, but a ko build of every image.
func TestKoResolvedImagesRunAsNonRoot(t *testing.T) {
	bin := filepath.Join(root(t), "_output", "bin")
	if out, err := exec.Command(filepath.Join(root(t), "hack", "build-tools.sh"), "ko").CombinedOutput(); err != nil {
		t.Fatalf("hack/build-tools.sh ko: %v\n%s", err, out)
	}
	registry := startRegistry(t, filepath.Join(bin, "registry"))
	release := filepath.Join(t.TempDir(), "release.yaml")
	resolve := exec.Command(filepath.Join(root(t), "hack", "ko-resolve.sh"), release)
	resolve.Env = append(os.Environ(), "KO_RESOLVE_REGISTRY="+registry)
	if out, err := resolve.CombinedOutput(); err != nil {
		t.Fatalf("hack/ko-resolve.sh: %v\n%s", err, out)
	}
	images, runAsUser := releaseImages(t, release, registry)
	if len(images) == 0 {
		t.Fatalf("release.yaml names no image in %s", registry)
	}
	for _, image := range images {
		out, err := exec.Command(filepath.Join(bin, "crane"), "config", "--insecure", image).Output()
		if err != nil {
			t.Fatalf("crane config %s: %v", image, err)
		}
		var cfg struct {
			Config struct{ User string } `json:"config"`
		}
		if err := json.Unmarshal(out, &cfg); err != nil {
			t.Fatalf("config of %s: %v", image, err)
		}
		uid, err := strconv.ParseInt(strings.SplitN(cfg.Config.User, ":", 2)[0], 10, 64)
		switch {
		case err != nil || uid == 0:
			t.Errorf("%s runs as user %q: want a numeric user other than 0", image, cfg.Config.User)
		case runAsUser[image] != nil && *runAsUser[image] != uid:
			t.Errorf("%s runs as user %d, its container's runAsUser is %d", image, uid, *runAsUser[image])
		}
	}
}

// startRegistry runs go-containerregistry's registry on a free port of
// 127.0.0.1 until the test ends, and returns its host:port.
func startRegistry(t *testing.T, registry string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(registry, "-port", strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	host := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			return host
		}
		if i == 100 {
			t.Fatalf("registry on %s: %v", host, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// releaseImages are the images in registry that a release names, and the
// runAsUser of the containers that set one, by image.
func releaseImages(t *testing.T, release, registry string) ([]string, map[string]*int64) {
	t.Helper()
	b, err := os.ReadFile(release)
	if err != nil {
		t.Fatal(err)
	}
	ref := regexp.MustCompile(regexp.QuoteMeta(registry) + `/[^\s"']+@sha256:[0-9a-f]{64}`)
	seen := map[string]bool{}
	var images []string
	for _, image := range ref.FindAllString(string(b), -1) {
		if !seen[image] {
			seen[image] = true
			images = append(images, image)
		}
	}
	runAsUser := map[string]*int64{}
	for _, doc := range strings.Split(string(b), "\n---\n") {
		var w struct {
			Spec struct {
				Template struct {
					Spec corev1.PodSpec `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal([]byte(doc), &w); err != nil {
			t.Fatalf("%s: %v", release, err)
		}
		pod := w.Spec.Template.Spec
		for _, c := range pod.Containers {
			if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil {
				runAsUser[c.Image] = c.SecurityContext.RunAsUser
			} else if pod.SecurityContext != nil && pod.SecurityContext.RunAsUser != nil {
				runAsUser[c.Image] = pod.SecurityContext.RunAsUser
			}
		}
	}
	return images, runAsUser
}
