package main

// Checks that the configurations shipped in deploy/ load with the real
// LoadConfig and pass Validate, that the example names every key, and that
// every BAOHAN_ variable the deploy files and docs mention is a key. The
// structure of the manifests themselves is checked in package deploy.

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const deployDir = "../../deploy"

// deploySecretsEnv are the secrets every deploy configuration expects from
// the environment.
var deploySecretsEnv = []string{
	"BAOHAN_DATABASE_DSN=baohan:pw@tcp(127.0.0.1:3306)/baohan?parseTime=true&charset=utf8mb4",
	"BAOHAN_API_TOKENS=token-one-123456,token-two-123456",
	"BAOHAN_PLATFORMS_0_APPSECRET=platform-secret",
}

func TestDeployExampleConfigLoads(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join(deployDir, "baohan.example.yaml"), deploySecretsEnv)
	if err != nil {
		t.Fatalf("LoadConfig(example, secrets in env): %v", err)
	}
	if got, want := cfg.Database.Driver, "mysql"; got != want {
		t.Errorf("database.driver = %q, want %q", got, want)
	}
	if got, want := cfg.Platforms[0].AppSecret, "platform-secret"; got != want {
		t.Errorf("platforms[0].appsecret = %q, want %q (from the environment)", got, want)
	}
	if got, want := len(cfg.API.Tokens), 2; got != want {
		t.Errorf("len(api.tokens) = %d, want %d", got, want)
	}
}

// Without the secrets the example must refuse to start, naming each key,
// rather than fall back to the built-in demo secrets.
func TestDeployExampleConfigNeedsSecrets(t *testing.T) {
	_, err := LoadConfig(filepath.Join(deployDir, "baohan.example.yaml"), nil)
	if err == nil {
		t.Fatal("LoadConfig(example, no environment) succeeded, want errors for the missing secrets")
	}
	for _, key := range []string{"database.dsn", "platforms[0].appsecret", "api.tokens"} {
		if !strings.Contains(err.Error(), "config "+key+":") {
			t.Errorf("error %q does not name %s", err, key)
		}
	}
}

// yamlKeyPaths lists every key of t as dotted YAML paths (a slice of
// structs contributes its item's keys under the slice's name).
func yamlKeyPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		path := tag
		if prefix != "" {
			path = prefix + "." + tag
		}
		ft := t.Field(i).Type
		switch {
		case ft.Kind() == reflect.Struct && ft != reflect.TypeOf(struct{}{}):
			out = append(out, yamlKeyPaths(ft, path)...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, yamlKeyPaths(ft.Elem(), path)...)
		default:
			out = append(out, path)
		}
	}
	return out
}

// nodeKeyPaths lists the dotted paths of every key present in a YAML tree.
func nodeKeyPaths(n *yaml.Node, prefix string, into map[string]bool) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			nodeKeyPaths(c, prefix, into)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			path := n.Content[i].Value
			if prefix != "" {
				path = prefix + "." + path
			}
			into[path] = true
			nodeKeyPaths(n.Content[i+1], path, into)
		}
	}
}

// The example is the operators' reference: it must show every key, either
// set or, for the secrets, commented out ("# appsecret: …").
func TestDeployExampleNamesEveryKey(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(deployDir, "baohan.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	nodeKeyPaths(&doc, "", present)
	for _, path := range yamlKeyPaths(reflect.TypeOf(Config{}), "") {
		if present[path] {
			continue
		}
		leaf := path[strings.LastIndex(path, ".")+1:]
		commented := regexp.MustCompile(`(?m)^\s*#\s*` + regexp.QuoteMeta(leaf) + `:`)
		if !commented.Match(b) {
			t.Errorf("deploy/baohan.example.yaml does not show the key %s (add it, with its default and a comment)", path)
		}
	}
}

// The container image's built-in configuration, the compose file's and the
// Kubernetes ConfigMap's load with the environment their deployment gives.
func TestDeployConfigsLoad(t *testing.T) {
	secretFile := writeFile(t, "appsecret", "platform-secret\n")

	// The Kubernetes ConfigMap holds the file as data["baohan.yaml"].
	b, err := os.ReadFile(filepath.Join(deployDir, "kubernetes", "configmap.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(b, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Data["baohan.yaml"] == "" {
		t.Fatal("deploy/kubernetes/configmap.yaml has no data baohan.yaml")
	}
	k8sConfig := writeFile(t, "k8s.yaml", cm.Data["baohan.yaml"])

	for _, tc := range []struct {
		name string
		path string
		env  []string
	}{
		{"container image", filepath.Join(deployDir, "baohan.container.yaml"), []string{
			"BAOHAN_PLATFORMS_0_APPKEY=finance_demo",
			"BAOHAN_PLATFORMS_0_APPSECRET=platform-secret",
			"BAOHAN_PLATFORMS_0_NOTIFY_URL=https://ggzy.example.gov.cn/gbsapi",
			"BAOHAN_API_TOKENS=token-one-123456",
		}},
		{"compose", filepath.Join(deployDir, "compose", "baohan.yaml"), []string{
			deploySecretsEnv[0], deploySecretsEnv[1],
			"BAOHAN_PUBLIC_URL=http://127.0.0.1:8080",
			"BAOHAN_PLATFORMS_0_APPSECRET_FILE=" + secretFile, // the compose secret's mount
		}},
		{"kubernetes", k8sConfig, deploySecretsEnv},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(tc.path, tc.env)
			if err != nil {
				t.Fatalf("LoadConfig(%s): %v", tc.path, err)
			}
			if host, _, _ := strings.Cut(cfg.Listen, ":"); host != "0.0.0.0" {
				t.Errorf("listen = %q, want 0.0.0.0:… in a container", cfg.Listen)
			}
			if got := cfg.Platforms[0].AppSecret; got != "platform-secret" {
				t.Errorf("platforms[0].appsecret = %q, want it from the environment or the secret file", got)
			}
			if _, err := LoadConfig(tc.path, nil); err == nil {
				t.Errorf("LoadConfig(%s) without the environment succeeded: it would run on demo secrets", tc.path)
			}
		})
	}
}

var envNameRe = regexp.MustCompile(`\bBAOHAN_[A-Z0-9_]*[A-Z0-9]\b`)

// Every BAOHAN_ variable named in deploy/ and docs/ is a configuration key:
// a misspelt one would stop the gateway at start.
func TestDeployEnvNamesAreKeys(t *testing.T) {
	names := map[string][]string{}
	for _, dir := range []string{deployDir, "../../docs"} {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, n := range envNameRe.FindAllString(string(b), -1) {
				names[n] = append(names[n], path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(names) == 0 {
		t.Fatal("no BAOHAN_ variable found in deploy/ and docs/")
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		if strings.HasPrefix(n, "BAOHAN_TEST_") {
			continue // test settings, not configuration
		}
		if n == "BAOHAN_PORT" || strings.HasPrefix(n, "BAOHAN_PORT_") || strings.HasPrefix(n, "BAOHAN_SERVICE_") {
			continue // Kubernetes service links, named where the docs warn about them
		}
		cfg := defaultConfig()
		if err := applyEnv(&cfg, []string{n + "=1"}); err != nil && strings.Contains(err.Error(), "no such configuration key") {
			t.Errorf("%s (in %s) is not a configuration key: %v", n, strings.Join(names[n], ", "), err)
		}
	}
}
