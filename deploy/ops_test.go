package deploy

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpsListen: the deploy kit serves /metrics on ops.listen, and what
// scrapes it points there: the pod's ops port and annotation in Kubernetes,
// the exposed port in compose.
func TestOpsListen(t *testing.T) {
	m := loadKubernetes(t)
	_, port, err := net.SplitHostPort(str(configMapConfig(t, m), "ops", "listen"))
	if err != nil || port == "" {
		t.Fatalf("ConfigMap ops.listen = %q, want host:port", str(configMapConfig(t, m), "ops", "listen"))
	}
	dep := m.one(t, "Deployment", "baohan")
	if got := str(dep, "spec", "template", "metadata", "annotations", "prometheus.io/port"); got != port {
		t.Errorf("prometheus.io/port = %q, want the ops port %s", got, port)
	}
	c := get(dep, "spec", "template", "spec", "containers", 0)
	found := false
	for i := 0; get(c, "ports", i) != nil; i++ {
		if get(c, "ports", i, "name") == "ops" && fmt.Sprint(get(c, "ports", i, "containerPort")) == port {
			found = true
		}
	}
	if !found {
		t.Errorf("container ports %v lack ops %s", get(c, "ports"), port)
	}
	svc := m.one(t, "Service", "baohan")
	for i := 0; get(svc, "spec", "ports", i) != nil; i++ {
		if fmt.Sprint(get(svc, "spec", "ports", i, "port")) == port || get(svc, "spec", "ports", i, "targetPort") == "ops" {
			t.Errorf("the Service exposes the ops port: %v", get(svc, "spec", "ports", i))
		}
	}

	docs := readDocs(t, filepath.Join("compose", "baohan.yaml"))
	_, cport, err := net.SplitHostPort(str(docs[0], "ops", "listen"))
	if err != nil {
		t.Fatalf("compose baohan.yaml ops.listen = %q", str(docs[0], "ops", "listen"))
	}
	compose := readDocs(t, filepath.Join("compose", "compose.yaml"))[0]
	if got := strs(compose, "services", "baohan", "expose"); len(got) != 1 || got[0] != cport {
		t.Errorf("compose baohan expose = %v, want [%s]", got, cport)
	}
	if get(compose, "services", "baohan", "ports") != nil {
		t.Error("compose publishes the gateway's ports on the host")
	}
	conf, err := os.ReadFile(filepath.Join("compose", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(conf), ":"+cport) {
		t.Error("nginx proxies the ops port")
	}
}
