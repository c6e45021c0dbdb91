package probe

import (
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestRemoveStaleProfiles(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip(err)
	}
	t.Setenv("TMPDIR", t.TempDir())
	mk := func(lock string) string {
		dir, err := os.MkdirTemp("", profilePrefix)
		if err != nil {
			t.Fatal(err)
		}
		if lock != "" {
			if err := os.Symlink(lock, filepath.Join(dir, "SingletonLock")); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	dead := mk(host + "-2147483000") // no such process
	alive := mk(host + "-" + strconv.Itoa(os.Getpid()))
	unlocked := mk("")
	otherHost := mk("elsewhere-2147483000")
	removeStaleProfiles(slog.New(slog.DiscardHandler))
	for dir, want := range map[string]bool{dead: false, alive: true, unlocked: true, otherHost: true} {
		_, err := os.Stat(dir)
		if got := err == nil; got != want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(dir), got, want)
		}
	}
}
