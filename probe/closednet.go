package probe

import (
	"fmt"
	"net"
	"net/url"
)

// ClosedNetwork resolves a --closed-network mode for a browser that opens
// base: "on" and "off" are themselves, "auto" is on when base's host is
// localhost or a loopback address (BrowserOptions.ClosedNetwork).
func ClosedNetwork(mode, base string) (bool, error) {
	switch mode {
	case "on":
		return true, nil
	case "off":
		return false, nil
	case "auto":
		u, err := url.Parse(base)
		if err != nil {
			return false, fmt.Errorf("base_url %q: %w", base, err)
		}
		host := u.Hostname()
		if host == "localhost" {
			return true, nil
		}
		ip := net.ParseIP(host)
		return ip != nil && ip.IsLoopback(), nil
	}
	return false, fmt.Errorf("--closed-network %q: want on, off or auto", mode)
}
