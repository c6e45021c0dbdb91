package inspection

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// MaxDisclosure bounds a disclosure text, in bytes.
const MaxDisclosure = 4 << 20

// ReadDisclosure reads a surface's disclosure text from a file of at most
// MaxDisclosure bytes.
func ReadDisclosure(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if len(data) > MaxDisclosure {
		return "", fmt.Errorf("%s: %d bytes, at most %d", path, len(data), MaxDisclosure)
	}
	return string(data), nil
}

// FetchDisclosure fetches a surface's disclosure text from an http(s) URL:
// at most MaxDisclosure bytes, within 30 seconds (or ctx).
func FetchDisclosure(ctx context.Context, u string) (string, error) {
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return "", fmt.Errorf("%q: want an http or https URL", u)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxDisclosure+1))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", u, err)
	}
	if len(data) > MaxDisclosure {
		return "", fmt.Errorf("GET %s: more than %d bytes", u, MaxDisclosure)
	}
	return string(data), nil
}
