package personas

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCredentials(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // an error substring; "" for none
	}{
		{"env", "personas:\n  - name: a\n    credentials: {username_env: U, password_env: P}\n", ""},
		{"inline password refused", "personas:\n  - name: a\n    credentials:\n      password: hunter2\n",
			"test.yaml:4: personas[0].credentials.password: never write a credential into a persona file"},
		{"env and file", "personas:\n  - name: a\n    credentials: {password_env: P, password_file: p.txt}\n",
			"test.yaml:3: personas[0].credentials: give each credential either an _env or a _file"},
		{"not a mapping", "personas:\n  - name: a\n    credentials: secret\n", "test.yaml:3: personas[0].credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := Parse("test.yaml", []byte(tc.yaml))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c := ps[0].Credentials; c.UsernameEnv != "U" || c.PasswordEnv != "P" {
					t.Errorf("credentials = %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error = %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q repeats the credential", err)
			}
		})
	}
}

func TestCredentialsResolve(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FP_TEST_USER", "ann")
	u, p, err := Credentials{UsernameEnv: "FP_TEST_USER", PasswordFile: pw}.Resolve()
	if err != nil || u != "ann" || p != "s3cret" {
		t.Errorf("Resolve = %q, %q, %v; want ann, s3cret", u, p, err)
	}
	_, _, err = Credentials{PasswordEnv: "FP_TEST_UNSET_VARIABLE"}.Resolve()
	if err == nil || !strings.Contains(err.Error(), "FP_TEST_UNSET_VARIABLE is not set") {
		t.Errorf("Resolve with an unset variable: %v", err)
	}
	if !(Credentials{}).IsZero() || (Credentials{PasswordEnv: "X"}).IsZero() {
		t.Error("IsZero is wrong")
	}
}
