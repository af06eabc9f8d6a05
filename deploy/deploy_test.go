package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The command line every deployment runs (PRODUCT.md, "Command line").
var serveArgs = []string{"serve", "--config", "/etc/baohan/baohan.yaml"}

// The secrets every deployment gives as environment variables.
var secretEnv = []string{"BAOHAN_DATABASE_DSN", "BAOHAN_API_TOKENS", "BAOHAN_PLATFORMS_0_APPSECRET"}

// readDocs parses every YAML document of a file.
func readDocs(t *testing.T, file string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	return docs
}

// get walks maps by key and lists by index; nil when the path is absent.
func get(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, keys ...any) string {
	s, _ := get(v, keys...).(string)
	return s
}

func list(v any, keys ...any) []any {
	l, _ := get(v, keys...).([]any)
	return l
}

func strs(v any, keys ...any) []string {
	var out []string
	for _, x := range list(v, keys...) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// bytesOf parses a Kubernetes memory quantity (512Mi, 1Gi, 400M) or a Go
// GOMEMLIMIT (400MiB).
func bytesOf(t *testing.T, q string) int64 {
	t.Helper()
	m := regexp.MustCompile(`^(\d+)(Ki|Mi|Gi|KiB|MiB|GiB|k|M|G)?$`).FindStringSubmatch(q)
	if m == nil {
		t.Fatalf("quantity %q: not understood", q)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	mult := map[string]int64{"": 1, "Ki": 1 << 10, "KiB": 1 << 10, "Mi": 1 << 20, "MiB": 1 << 20, "Gi": 1 << 30, "GiB": 1 << 30,
		"k": 1e3, "M": 1e6, "G": 1e9}[m[2]]
	return n * mult
}

type manifests struct {
	byKind map[string][]map[string]any
	file   map[string]string // "Kind/name" → file
}

func (m manifests) one(t *testing.T, kind, name string) map[string]any {
	t.Helper()
	for _, d := range m.byKind[kind] {
		if str(d, "metadata", "name") == name {
			return d
		}
	}
	t.Fatalf("no %s %q in deploy/kubernetes", kind, name)
	return nil
}

func loadKubernetes(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/kubernetes (%v)", err)
	}
	m := manifests{byKind: map[string][]map[string]any{}, file: map[string]string{}}
	for _, f := range files {
		for _, d := range readDocs(t, f) {
			kind := str(d, "kind")
			if kind == "" || str(d, "apiVersion") == "" {
				t.Errorf("%s: a document without kind or apiVersion", f)
			}
			m.byKind[kind] = append(m.byKind[kind], d)
			m.file[kind+"/"+str(d, "metadata", "name")] = filepath.Base(f)
		}
	}
	return m
}

// configMapConfig returns the gateway configuration held by the ConfigMap.
func configMapConfig(t *testing.T, m manifests) map[string]any {
	t.Helper()
	cm := m.one(t, "ConfigMap", "baohan-config")
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(str(cm, "data", "baohan.yaml")), &cfg); err != nil {
		t.Fatalf("ConfigMap baohan-config data baohan.yaml: %v", err)
	}
	return cfg
}

func TestKubernetesKustomization(t *testing.T) {
	m := loadKubernetes(t)
	k := m.one(t, "Kustomization", "")
	resources := strs(k, "resources")
	for _, r := range resources {
		if _, err := os.Stat(filepath.Join("kubernetes", r)); err != nil {
			t.Errorf("kustomization resource %s: %v", r, err)
		}
	}
	// Re-applying must never overwrite the real Secrets with the example's
	// empty ones, nor rerun a migration Job.
	for key, file := range m.file {
		kind, _, _ := strings.Cut(key, "/")
		included := slices.Contains(resources, file)
		switch kind {
		case "Kustomization":
		case "Secret", "Job":
			if included {
				t.Errorf("%s (%s) is in kustomization.yaml; apply it separately", key, file)
			}
		default:
			if !included {
				t.Errorf("%s (%s) is not in kustomization.yaml", key, file)
			}
		}
	}
	dep := m.one(t, "Deployment", "baohan")
	image := str(dep, "spec", "template", "spec", "containers", 0, "image")
	var named bool
	for _, img := range list(k, "images") {
		named = named || str(img, "name") == image
	}
	if !named {
		t.Errorf("the Deployment's image %q is not set by the kustomization's images", image)
	}
}

func TestKubernetesDeployment(t *testing.T) {
	m := loadKubernetes(t)
	dep := m.one(t, "Deployment", "baohan")
	cfg := configMapConfig(t, m)

	// The Ingress controller names the client in X-Forwarded-For; the
	// gateway trusts private pod networks for that, never everybody.
	proxies := strs(cfg, "http", "trusted_proxies")
	if len(proxies) == 0 {
		t.Error("the ConfigMap sets no http.trusted_proxies: behind the Ingress every login would come from its address")
	}
	for _, p := range proxies {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			a, aerr := netip.ParseAddr(p)
			if aerr != nil {
				t.Errorf("http.trusted_proxies %q: not an address or CIDR", p)
				continue
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		if !pfx.Addr().IsPrivate() || pfx.Bits() < 8 {
			t.Errorf("http.trusted_proxies %q: want private addresses of the cluster, not the world", p)
		}
	}

	if got := get(dep, "spec", "replicas"); got != 2 {
		t.Errorf("replicas = %v, want 2", got)
	}
	if got := str(dep, "spec", "strategy", "rollingUpdate", "maxUnavailable"); got != "0" && get(dep, "spec", "strategy", "rollingUpdate", "maxUnavailable") != 0 {
		t.Errorf("rollingUpdate.maxUnavailable = %v, want 0", got)
	}
	podLabels, _ := get(dep, "spec", "template", "metadata", "labels").(map[string]any)
	matchesPod := func(what string, sel any) {
		t.Helper()
		selMap, _ := sel.(map[string]any)
		if len(selMap) == 0 {
			t.Errorf("%s: empty selector", what)
		}
		for k, v := range selMap {
			if podLabels[k] != v {
				t.Errorf("%s: selector %s=%v does not match the pod's labels %v", what, k, v, podLabels)
			}
		}
	}
	matchesPod("Deployment", get(dep, "spec", "selector", "matchLabels"))

	pod := get(dep, "spec", "template", "spec")
	// Kubernetes' service links would put BAOHAN_SERVICE_HOST & co. in the
	// environment, which the gateway refuses as unknown configuration keys.
	if got := get(pod, "enableServiceLinks"); got != false {
		t.Errorf("enableServiceLinks = %v, want false", got)
	}
	if got := get(pod, "automountServiceAccountToken"); got != false {
		t.Errorf("automountServiceAccountToken = %v, want false", got)
	}
	if got := get(pod, "securityContext", "runAsNonRoot"); got != true {
		t.Errorf("pod securityContext.runAsNonRoot = %v, want true", got)
	}
	if uid, _ := get(pod, "securityContext", "runAsUser").(int); uid == 0 {
		t.Errorf("pod securityContext.runAsUser = %v, want a non-zero uid", get(pod, "securityContext", "runAsUser"))
	}

	c := get(pod, "containers", 0)
	if got := strs(c, "args"); !slices.Equal(got, serveArgs) {
		t.Errorf("container args = %q, want %q", got, serveArgs)
	}
	if get(c, "command") != nil {
		t.Errorf("container command = %v: keep the image's entrypoint", get(c, "command"))
	}
	if get(c, "ports", 0, "name") != "http" || get(c, "ports", 0, "containerPort") != 8080 {
		t.Errorf("container ports = %v, want http 8080", get(c, "ports"))
	}
	if listen := str(cfg, "listen"); listen != "0.0.0.0:8080" {
		t.Errorf("ConfigMap listen = %q, want 0.0.0.0:8080 (the container port)", listen)
	}
	for probe, want := range map[string]string{"startupProbe": "/healthz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		if got := str(c, probe, "httpGet", "path"); got != want {
			t.Errorf("%s path = %q, want %q", probe, got, want)
		}
		if got := get(c, probe, "httpGet", "port"); got != "http" {
			t.Errorf("%s port = %v, want http", probe, got)
		}
	}
	// The listener opens after the migrations, which wait up to 5 minutes
	// for another replica's lock.
	period, _ := get(c, "startupProbe", "periodSeconds").(int)
	failures, _ := get(c, "startupProbe", "failureThreshold").(int)
	if period*failures < 300 {
		t.Errorf("startupProbe allows %ds, want at least 300s (the migration lock's wait)", period*failures)
	}

	sc := get(c, "securityContext")
	for key, want := range map[string]any{"readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false} {
		if got := get(sc, key); got != want {
			t.Errorf("container securityContext.%s = %v, want %v", key, got, want)
		}
	}
	if got := strs(sc, "capabilities", "drop"); !slices.Equal(got, []string{"ALL"}) {
		t.Errorf("capabilities.drop = %v, want [ALL]", got)
	}

	// Sized to the measured footprint: under 300 MB at the peak of a
	// bid-opening storm.
	const peak = 300 << 20
	reqMem := bytesOf(t, str(c, "resources", "requests", "memory"))
	limMem := bytesOf(t, str(c, "resources", "limits", "memory"))
	if str(c, "resources", "requests", "cpu") == "" {
		t.Error("resources.requests.cpu is not set")
	}
	if reqMem < peak || limMem < reqMem || limMem > 1<<30 {
		t.Errorf("memory request %d, limit %d: want request ≥ the 300 MB peak, limit ≥ request and ≤ 1Gi", reqMem, limMem)
	}
	env := map[string]any{}
	for _, e := range list(c, "env") {
		env[str(e, "name")] = e
	}
	if gml := str(env["GOMEMLIMIT"], "value"); gml == "" || bytesOf(t, gml) >= limMem {
		t.Errorf("GOMEMLIMIT = %q, want it set below the memory limit", gml)
	}

	// The secrets come from Secrets that the example defines, key by key.
	secrets := map[string]map[string]any{}
	for _, s := range m.byKind["Secret"] {
		data, _ := get(s, "stringData").(map[string]any)
		secrets[str(s, "metadata", "name")] = data
	}
	for _, name := range secretEnv {
		e, ok := env[name]
		if !ok {
			t.Errorf("env %s is not set", name)
			continue
		}
		secret, key := str(e, "valueFrom", "secretKeyRef", "name"), str(e, "valueFrom", "secretKeyRef", "key")
		if _, ok := secrets[secret][key]; !ok {
			t.Errorf("env %s comes from secret %q key %q, which secret.example.yaml does not define", name, secret, key)
		}
	}
	for name := range env {
		if strings.HasPrefix(name, "BAOHAN_") && !slices.Contains(secretEnv, name) {
			t.Errorf("env %s: give non-secret settings in the ConfigMap", name)
		}
	}

	// Mounts: the config file where the command line says, the signing
	// certificate where the config says, writable data and /tmp.
	volumes := map[string]any{}
	for _, v := range list(pod, "volumes") {
		volumes[str(v, "name")] = v
	}
	mounts := map[string]any{} // mountPath → mount
	for _, mt := range list(c, "volumeMounts") {
		mounts[str(mt, "mountPath")] = mt
		if volumes[str(mt, "name")] == nil {
			t.Errorf("volumeMount %s: no volume %q", str(mt, "mountPath"), str(mt, "name"))
		}
	}
	cfgMount := mounts["/etc/baohan/baohan.yaml"]
	if cfgMount == nil || str(volumes[str(cfgMount, "name")], "configMap", "name") != "baohan-config" || str(cfgMount, "subPath") != "baohan.yaml" {
		t.Errorf("/etc/baohan/baohan.yaml is not mounted from ConfigMap baohan-config key baohan.yaml: %v", cfgMount)
	}
	for _, key := range []string{"cert_file", "key_file"} {
		file := str(cfg, "signing", key)
		mt := mounts[path.Dir(file)]
		secret := str(volumes[str(mt, "name")], "secret", "secretName")
		if _, ok := secrets[secret][path.Base(file)]; !ok {
			t.Errorf("signing.%s %s: not in a mounted Secret that defines %s", key, file, path.Base(file))
		}
	}
	for _, dir := range []string{str(cfg, "data_dir"), "/tmp"} {
		mt := mounts[dir]
		if get(volumes[str(mt, "name")], "emptyDir") == nil {
			t.Errorf("%s is not a writable emptyDir (the root file system is read-only)", dir)
		}
	}

	svc := m.one(t, "Service", "baohan")
	matchesPod("Service", get(svc, "spec", "selector"))
	if got := get(svc, "spec", "ports", 0, "targetPort"); got != "http" {
		t.Errorf("Service targetPort = %v, want http", got)
	}
	pdb := m.one(t, "PodDisruptionBudget", "baohan")
	matchesPod("PodDisruptionBudget", get(pdb, "spec", "selector", "matchLabels"))
	if got := get(pdb, "spec", "minAvailable"); got != 1 {
		t.Errorf("PodDisruptionBudget minAvailable = %v, want 1", got)
	}
}

func TestKubernetesMigrateJob(t *testing.T) {
	m := loadKubernetes(t)
	job := m.one(t, "Job", "baohan-migrate")
	pod := get(job, "spec", "template", "spec")
	c := get(pod, "containers", 0)
	want := append([]string{"migrate"}, serveArgs[1:]...)
	if got := strs(c, "args"); !slices.Equal(got, want) {
		t.Errorf("migrate job args = %q, want %q", got, want)
	}
	if get(pod, "enableServiceLinks") != false || get(pod, "securityContext", "runAsNonRoot") != true {
		t.Error("migrate job: want enableServiceLinks false and runAsNonRoot true")
	}
	var names []string
	for _, e := range list(c, "env") {
		names = append(names, str(e, "name"))
	}
	for _, name := range secretEnv { // migrate validates the whole configuration
		if !slices.Contains(names, name) {
			t.Errorf("migrate job: env %s is not set", name)
		}
	}
}

func TestCompose(t *testing.T) {
	docs := readDocs(t, filepath.Join("compose", "compose.yaml"))
	if len(docs) != 1 {
		t.Fatalf("compose.yaml: %d documents, want 1", len(docs))
	}
	c := docs[0]
	db := get(c, "services", "mysql")
	if img := str(db, "image"); !strings.HasPrefix(img, "mysql:8") && !strings.HasPrefix(img, "mariadb:10.11") {
		t.Errorf("database image = %q, want MySQL 8 or MariaDB 10.11", img)
	}
	if get(db, "healthcheck", "test") == nil {
		t.Error("the database has no healthcheck: the gateway could start before it accepts connections")
	}

	gw := get(c, "services", "baohan")
	if got := get(gw, "deploy", "replicas"); got != 2 {
		t.Errorf("gateway replicas = %v, want 2", got)
	}
	if got := str(gw, "depends_on", "mysql", "condition"); got != "service_healthy" {
		t.Errorf("gateway depends_on mysql condition = %q, want service_healthy", got)
	}
	if got := strs(gw, "command"); !slices.Equal(got, serveArgs) {
		t.Errorf("gateway command = %q, want %q", got, serveArgs)
	}
	// The build context is the repository root (deploy/..), the Dockerfile ours.
	if ctx, file := filepath.Join("compose", str(gw, "build", "context")), str(gw, "build", "dockerfile"); ctx != ".." || file != "deploy/Dockerfile" {
		t.Errorf("gateway build context %s dockerfile %s, want the repository root and deploy/Dockerfile", ctx, file)
	}
	if get(gw, "read_only") != true {
		t.Error("gateway read_only is not true")
	}
	if dsn := str(gw, "environment", "BAOHAN_DATABASE_DSN"); !strings.Contains(dsn, "@tcp(mysql:3306)/") || !strings.Contains(dsn, "parseTime=true") {
		t.Errorf("BAOHAN_DATABASE_DSN = %q, want the mysql service with parseTime=true", dsn)
	}
	for _, name := range []string{"BAOHAN_DATABASE_DSN", "BAOHAN_API_TOKENS"} {
		if str(gw, "environment", name) == "" {
			t.Errorf("gateway environment %s is not set", name)
		}
	}
	var configMounted bool
	for _, v := range strs(gw, "volumes") {
		src, rest, _ := strings.Cut(v, ":")
		if strings.HasPrefix(src, "./") {
			if _, err := os.Stat(filepath.Join("compose", src)); err != nil {
				t.Errorf("volume %s: %v", v, err)
			}
		}
		configMounted = configMounted || strings.HasPrefix(rest, "/etc/baohan/baohan.yaml")
	}
	if !configMounted {
		t.Error("no volume mounts the configuration at /etc/baohan/baohan.yaml")
	}

	// The secret files the configuration reads are the secrets compose mounts.
	var cfg map[string]any
	b, err := os.ReadFile(filepath.Join("compose", "baohan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, s := range list(gw, "secrets") {
		if get(c, "secrets", str(s, "source")) == nil {
			t.Errorf("secret %s is not defined at the top level", str(s, "source"))
		}
		targets[str(s, "target")] = true
	}
	for _, file := range []string{str(cfg, "platforms", 0, "appsecret_file"), str(cfg, "signing", "cert_file"), str(cfg, "signing", "key_file")} {
		if !targets[file] {
			t.Errorf("compose/baohan.yaml reads %q, which no compose secret provides", file)
		}
	}

	// Every ${VAR} without a default is in .env.example.
	raw, err := os.ReadFile(filepath.Join("compose", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	envExample, err := os.ReadFile(filepath.Join("compose", ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	for _, mm := range regexp.MustCompile(`\$\{([A-Z0-9_]+)(:?[-?][^}]*)?\}`).FindAllStringSubmatch(string(raw), -1) {
		if strings.HasPrefix(mm[2], ":-") {
			continue
		}
		if !regexp.MustCompile(`(?m)^` + mm[1] + `=`).Match(envExample) {
			t.Errorf("compose.yaml uses ${%s}, which .env.example does not set", mm[1])
		}
	}

	nginx := get(c, "services", "nginx")
	if nginx == nil {
		t.Fatal("no nginx service in front of the replicas")
	}
	conf, err := os.ReadFile(filepath.Join("compose", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server baohan:8080", "location = /metrics", "client_max_body_size", "X-Forwarded-For $proxy_add_x_forwarded_for"} {
		if !bytes.Contains(conf, []byte(want)) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}

	// The gateway trusts nginx, and only nginx, to name the client: nginx has
	// a fixed address on the network's fixed subnet, and that address is
	// http.trusted_proxies. Without it every login would come from nginx's
	// address, and the console's address throttling would stop everybody.
	nginxIP, err := netip.ParseAddr(str(nginx, "networks", "default", "ipv4_address"))
	if err != nil {
		t.Fatalf("nginx has no fixed address on the default network: %v", err)
	}
	subnet, err := netip.ParsePrefix(str(c, "networks", "default", "ipam", "config", 0, "subnet"))
	if err != nil || !subnet.Contains(nginxIP) {
		t.Errorf("the default network's subnet %q does not hold nginx's address %s (%v)", str(c, "networks", "default", "ipam", "config", 0, "subnet"), nginxIP, err)
	}
	if got := strs(cfg, "http", "trusted_proxies"); !slices.Equal(got, []string{nginxIP.String()}) {
		t.Errorf("compose/baohan.yaml http.trusted_proxies = %q, want nginx's address [%s]", got, nginxIP)
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var instr []string // instructions, continuation lines joined, comments dropped
	var cur string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if cur == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		instr = append(instr, cur+line)
		cur = ""
	}
	find := func(re string) []string {
		var out []string
		for _, in := range instr {
			if regexp.MustCompile(re).MatchString(in) {
				out = append(out, in)
			}
		}
		return out
	}
	froms := find(`^FROM `)
	if len(froms) != 2 || !strings.HasPrefix(froms[0], "FROM golang:1.26") ||
		!regexp.MustCompile(`^FROM gcr\.io/distroless/static[-a-z0-9]*:nonroot`).MatchString(froms[1]) {
		t.Errorf("FROM lines = %q, want golang:1.26 then distroless static nonroot", froms)
	}
	if len(find(`CGO_ENABLED=0`)) == 0 {
		t.Error("the build does not set CGO_ENABLED=0")
	}
	if len(find(`go build -trimpath -ldflags='-s -w' -o /baohan \./cmd/baohan`)) != 1 {
		t.Error("no `go build -trimpath -ldflags='-s -w' -o /baohan ./cmd/baohan`")
	}
	if users := find(`^USER `); len(users) == 0 || regexp.MustCompile(`^USER (0|root)\b`).MatchString(users[len(users)-1]) {
		t.Errorf("USER lines = %q, want a non-root user last", users)
	}
	if len(find(`^EXPOSE 8080$`)) != 1 {
		t.Error("no EXPOSE 8080")
	}
	if len(find(`^VOLUME \["/var/lib/baohan"\]$`)) != 1 {
		t.Error("no VOLUME for /var/lib/baohan")
	}
	if got := find(`^ENTRYPOINT `); len(got) != 1 || got[0] != `ENTRYPOINT ["/usr/local/bin/baohan"]` {
		t.Errorf("ENTRYPOINT = %q", got)
	}
	if got, want := find(`^CMD `), `CMD ["serve", "--config", "/etc/baohan/baohan.yaml"]`; len(got) != 1 || got[0] != want {
		t.Errorf("CMD = %q, want %s", got, want)
	}
	if len(find(`^HEALTHCHECK`)) != 0 {
		t.Error("HEALTHCHECK cannot run in distroless (no shell, no curl)")
	}
	// Files copied from the build context exist (paths from the repository root).
	for _, in := range find(`^COPY `) {
		if strings.Contains(in, "--from=") {
			continue
		}
		fields := strings.Fields(in)
		for _, src := range fields[1 : len(fields)-1] {
			if strings.HasPrefix(src, "--") || src == "." {
				continue
			}
			if _, err := os.Stat(filepath.Join("..", src)); err != nil {
				t.Errorf("%s: %v", in, err)
			}
		}
	}
	// The image's own configuration is what the command line names.
	if len(find(`^COPY deploy/baohan\.container\.yaml /etc/baohan/baohan\.yaml$`)) != 1 {
		t.Error("the image does not carry deploy/baohan.container.yaml as /etc/baohan/baohan.yaml")
	}
	ignore, err := os.ReadFile("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(ignore), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, needed := range []string{"go.mod", "go.sum", "cmd", "deploy/baohan.container.yaml"} {
			if ok, _ := path.Match(line, needed); ok || line == "*" {
				t.Errorf("Dockerfile.dockerignore line %q excludes %s, which the build needs", line, needed)
			}
		}
	}
}

// unit parses a systemd unit: section → key → values in order.
func unit(t *testing.T, file string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: cannot parse %q", file, line)
			}
			out[section][k] = append(out[section][k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSystemdUnit(t *testing.T) {
	u := unit(t, "baohan.service")
	svc := u["Service"]
	want := map[string]string{
		"ExecStart":       "/usr/local/bin/baohan " + strings.Join(serveArgs, " "),
		"User":            "baohan",
		"EnvironmentFile": "/etc/baohan/baohan.env",
		"Restart":         "on-failure",
		"NoNewPrivileges": "yes",
		"ProtectSystem":   "strict",
		"ReadWritePaths":  "/var/lib/baohan",
		"PrivateTmp":      "yes",
		"ProtectHome":     "yes",
		"StateDirectory":  "baohan",
		"LimitNOFILE":     "65536",
	}
	for k, v := range want {
		if got := svc[k]; len(got) == 0 || got[len(got)-1] != v {
			t.Errorf("[Service] %s = %q, want %q", k, got, v)
		}
	}
	if got := u["Install"]["WantedBy"]; !slices.Equal(got, []string{"multi-user.target"}) {
		t.Errorf("[Install] WantedBy = %q, want multi-user.target", got)
	}

	// The env file example sets exactly the secrets.
	b, err := os.ReadFile("baohan.env.example")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		if k, _, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(k, "#") {
			names = append(names, k)
		}
	}
	if !slices.Equal(names, secretEnv) {
		t.Errorf("baohan.env.example sets %q, want %q", names, secretEnv)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the unit's syntax was not verified by systemd")
	}
	// verify checks that ExecStart's binary exists: point it at an
	// executable that does (this test), keeping every other line.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("baohan.service")
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), "baohan.service")
	if err := os.WriteFile(tmp, bytes.ReplaceAll(src, []byte("/usr/local/bin/baohan "), []byte(self+" ")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", tmp).CombinedOutput()
	// verify exits 0 on unknown keys and bad values, printing a warning:
	// any output is a finding.
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify baohan.service: %v\n%s", err, out)
	}
}
