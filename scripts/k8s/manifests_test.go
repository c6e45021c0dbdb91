package k8s

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
)

// manifests is every object of every *.yaml file here, decoded strictly.
type manifests struct {
	jobs       map[string]*batchv1.Job // by file:name
	cronJobs   map[string]*batchv1.CronJob
	configMaps map[string]*corev1.ConfigMap // by object name
	claims     map[string]*corev1.PersistentVolumeClaim
}

// splitDocs splits a multi-document YAML file on lines that are "---".
func splitDocs(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(stripComments(d)) != "" {
			docs = append(docs, []byte(d))
		}
	}
	return docs
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	m := manifests{jobs: map[string]*batchv1.Job{}, cronJobs: map[string]*batchv1.CronJob{},
		configMaps: map[string]*corev1.ConfigMap{}, claims: map[string]*corev1.PersistentVolumeClaim{}}
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range splitDocs(data) {
			where := fmt.Sprintf("%s[%d]", f, i)
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			var obj any
			switch meta.APIVersion + " " + meta.Kind {
			case "batch/v1 Job":
				obj = &batchv1.Job{}
			case "batch/v1 CronJob":
				obj = &batchv1.CronJob{}
			case "v1 ConfigMap":
				obj = &corev1.ConfigMap{}
			case "v1 PersistentVolumeClaim":
				obj = &corev1.PersistentVolumeClaim{}
			default:
				t.Fatalf("%s: apiVersion %q kind %q: not a kind this test knows; add it", where, meta.APIVersion, meta.Kind)
			}
			// UnmarshalStrict fails on unknown and duplicate fields.
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			switch o := obj.(type) {
			case *batchv1.Job:
				m.jobs[where+":"+o.Name] = o
			case *batchv1.CronJob:
				m.cronJobs[where+":"+o.Name] = o
			case *corev1.ConfigMap:
				m.configMaps[o.Name] = o
			case *corev1.PersistentVolumeClaim:
				m.claims[o.Name] = o
			}
		}
	}
	return m
}

// TestManifestsDecodeStrictly decodes every manifest strictly (a misspelt
// field fails) and checks that each names an API kind it uses right.
func TestManifestsDecodeStrictly(t *testing.T) {
	m := loadManifests(t)
	if len(m.jobs) < 2 || len(m.cronJobs) < 1 || len(m.configMaps) < 1 || len(m.claims) < 1 {
		t.Fatalf("found %d Jobs, %d CronJobs, %d ConfigMaps, %d claims; want the shard and merge Jobs, a CronJob, the campaign and the volume",
			len(m.jobs), len(m.cronJobs), len(m.configMaps), len(m.claims))
	}
	// A strict decode really rejects a typo (guards the test itself).
	bad := []byte("apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  completionsMode: Indexed\n")
	if err := yaml.UnmarshalStrict(bad, &batchv1.Job{}); err == nil {
		t.Fatal("UnmarshalStrict accepted the unknown field completionsMode")
	}
}

// podSpecs lists every pod template with where it is.
func (m manifests) podSpecs() map[string]*corev1.PodSpec {
	out := map[string]*corev1.PodSpec{}
	for k, j := range m.jobs {
		out[k] = &j.Spec.Template.Spec
	}
	for k, c := range m.cronJobs {
		out[k] = &c.Spec.JobTemplate.Spec.Template.Spec
	}
	return out
}

// TestManifestsWiring checks what the API server would only find at run
// time: mounts name declared volumes, volumes name objects defined here,
// $(VAR) references name declared variables, and restart policies suit Jobs.
func TestManifestsWiring(t *testing.T) {
	m := loadManifests(t)
	varRef := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	for where, ps := range m.podSpecs() {
		if ps.RestartPolicy != corev1.RestartPolicyNever && ps.RestartPolicy != corev1.RestartPolicyOnFailure {
			t.Errorf("%s: restartPolicy %q, a Job needs Never or OnFailure", where, ps.RestartPolicy)
		}
		vols := map[string]corev1.Volume{}
		for _, v := range ps.Volumes {
			vols[v.Name] = v
			if v.ConfigMap != nil && m.configMaps[v.ConfigMap.Name] == nil {
				t.Errorf("%s: volume %s names ConfigMap %s, defined in no manifest", where, v.Name, v.ConfigMap.Name)
			}
			if v.PersistentVolumeClaim != nil && m.claims[v.PersistentVolumeClaim.ClaimName] == nil {
				t.Errorf("%s: volume %s names claim %s, defined in no manifest", where, v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
		for _, c := range append(slices.Clone(ps.InitContainers), ps.Containers...) {
			for _, vm := range c.VolumeMounts {
				if _, ok := vols[vm.Name]; !ok {
					t.Errorf("%s: container %s mounts %s, which is no volume of the pod", where, c.Name, vm.Name)
				}
			}
			env := map[string]bool{}
			for _, e := range c.Env {
				env[e.Name] = true
			}
			for _, a := range append(slices.Clone(c.Command), c.Args...) {
				for _, ref := range varRef.FindAllStringSubmatch(a, -1) {
					if !env[ref[1]] {
						t.Errorf("%s: container %s uses $(%s), which it does not declare in env", where, c.Name, ref[1])
					}
				}
			}
			if c.Image == "" {
				t.Errorf("%s: container %s has no image", where, c.Name)
			}
		}
	}
}

// flagValue returns the value of --name=V or "--name V" in a container's
// command line (or in its shell script).
func flagValue(c corev1.Container, name string) (string, bool) {
	words := []string{}
	for _, a := range append(slices.Clone(c.Command), c.Args...) {
		words = append(words, strings.Fields(a)...)
	}
	for i, w := range words {
		if v, ok := strings.CutPrefix(w, "--"+name+"="); ok {
			return strings.Trim(v, `"'`), true
		}
		if w == "--"+name && i+1 < len(words) {
			return strings.Trim(words[i+1], `"'`), true
		}
	}
	return "", false
}

func envValue(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// TestShardJobs checks every Indexed Job (the shard Job and the CronJob's
// template): the completion index is the shard, the shard count agrees
// with completions, a native Chromium sidecar listens on the port the
// worker's --browser names, and the campaign splits into that many
// non-empty shards.
func TestShardJobs(t *testing.T) {
	m := loadManifests(t)
	specs := map[string]*batchv1.JobSpec{}
	for k, j := range m.jobs {
		specs[k] = &j.Spec
	}
	for k, c := range m.cronJobs {
		specs[k] = &c.Spec.JobTemplate.Spec
	}
	indexed := 0
	for where, js := range specs {
		if js.CompletionMode == nil || *js.CompletionMode != batchv1.IndexedCompletion {
			continue
		}
		indexed++
		ps := js.Template.Spec
		if js.Completions == nil || js.Parallelism == nil || *js.Completions != *js.Parallelism {
			t.Errorf("%s: completions and parallelism must be set and equal", where)
			continue
		}
		n := int(*js.Completions)
		if len(ps.Containers) != 1 {
			t.Fatalf("%s: %d containers, want the feedprobe worker alone (Chromium is a sidecar)", where, len(ps.Containers))
		}
		w := ps.Containers[0]
		if got, err := strconv.Atoi(envValue(w, "SHARDS")); err != nil || got != n {
			t.Errorf("%s: SHARDS=%q, want completions %d", where, envValue(w, "SHARDS"), n)
		}
		idx := false
		for _, e := range w.Env {
			if e.Name == "JOB_COMPLETION_INDEX" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil &&
				e.ValueFrom.FieldRef.FieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
				idx = true
			}
		}
		if !idx {
			t.Errorf("%s: the worker does not take JOB_COMPLETION_INDEX from the completion-index annotation", where)
		}
		shard, ok := flagValue(w, "shard")
		if !ok || !strings.Contains(shard, "JOB_COMPLETION_INDEX") || !strings.Contains(shard, "SHARDS") {
			t.Errorf("%s: --shard %q, want the completion index over SHARDS", where, shard)
		}
		browser, ok := flagValue(w, "browser")
		if !ok {
			t.Fatalf("%s: the worker has no --browser", where)
		}
		if err := probe.CheckRemoteURL(browser); err != nil {
			t.Errorf("%s: %v", where, err)
		}
		u, _ := url.Parse(browser)
		if u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" {
			t.Errorf("%s: --browser %s leaves the pod; the sidecar is on its loopback", where, browser)
		}
		var side *corev1.Container
		for i := range ps.InitContainers {
			if c := ps.InitContainers[i]; c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
				side = &ps.InitContainers[i]
			}
		}
		if side == nil {
			t.Fatalf("%s: no native sidecar (init container with restartPolicy Always) for Chromium", where)
		}
		if port, _ := flagValue(*side, "remote-debugging-port"); port != u.Port() {
			t.Errorf("%s: sidecar listens on port %q, the worker connects to %q", where, port, u.Port())
		}
		if addr, _ := flagValue(*side, "remote-debugging-address"); addr != "127.0.0.1" {
			t.Errorf("%s: sidecar DevTools address %q, want 127.0.0.1 (never expose DevTools)", where, addr)
		}
		if p := side.StartupProbe; p == nil || p.TCPSocket == nil || p.TCPSocket.Port.String() != u.Port() {
			t.Errorf("%s: the sidecar needs a startup probe on the DevTools port so the worker starts after it", where)
		}
		// The campaign the pods mount splits into n shards with work each.
		for _, v := range ps.Volumes {
			if v.ConfigMap == nil {
				continue
			}
			cm := m.configMaps[v.ConfigMap.Name]
			if cm == nil {
				continue
			}
			data, ok := cm.Data["campaign.yaml"]
			if !ok {
				t.Fatalf("%s: ConfigMap %s has no campaign.yaml", where, cm.Name)
			}
			c, err := personas.ParseCampaign("configmap:"+cm.Name+"/campaign.yaml", []byte(data), "")
			if err != nil {
				t.Fatalf("%s: the campaign does not load: %v", where, err)
			}
			for i := range n {
				if len((probe.Shard{Index: i, Count: n}).Owns(c.Personas)) == 0 {
					t.Errorf("%s: shard %d/%d of campaign %s has no persona; lower completions", where, i, n, c.Name)
				}
			}
		}
	}
	if indexed < 2 {
		t.Errorf("%d Indexed Jobs, want the shard Job and the CronJob's", indexed)
	}
}

// TestMergeJob checks that the merge Job lists every shard the shard Job
// writes, once, and the output first.
func TestMergeJob(t *testing.T) {
	m := loadManifests(t)
	var shardJob, mergeJob *batchv1.Job
	for _, j := range m.jobs {
		switch j.Labels["app.kubernetes.io/component"] {
		case "shard":
			shardJob = j
		case "merge":
			mergeJob = j
		}
	}
	if shardJob == nil || mergeJob == nil {
		t.Fatal("want a Job labelled component=shard and one labelled component=merge")
	}
	db, _ := flagValue(shardJob.Spec.Template.Spec.Containers[0], "db")
	args := mergeJob.Spec.Template.Spec.Containers[0].Args
	if len(args) < 3 || args[0] != "merge" {
		t.Fatalf("merge Job args %q, want merge OUT SHARD...", args)
	}
	var want []string
	for i := range int(*shardJob.Spec.Completions) {
		want = append(want, strings.ReplaceAll(db, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i)))
	}
	if got := args[2:]; !slices.Equal(got, want) {
		t.Errorf("merge Job merges %q, the shard Job writes %q", got, want)
	}
	if slices.Contains(want, args[1]) {
		t.Errorf("merge output %s is one of the shards", args[1])
	}
	if !bytes.Contains([]byte(strings.Join(mergeJob.Spec.Template.Spec.Containers[0].Command, " ")), []byte("feedprobe")) {
		t.Errorf("merge Job command %q does not run feedprobe", mergeJob.Spec.Template.Spec.Containers[0].Command)
	}
}
