package probe

import (
	"fmt"
	"net"
	"net/url"

	"github.com/feedprobe/feedprobe/personas"
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

// ClosedNetworkAll resolves a closed-network mode for one browser shared
// by campaigns cs (serve's): auto means on when every campaign's base_url
// is loopback, and off for no campaign at all.
func ClosedNetworkAll(mode string, cs []*personas.Campaign) (bool, error) {
	if mode != "auto" {
		return ClosedNetwork(mode, "")
	}
	for _, c := range cs {
		on, err := ClosedNetwork("auto", c.BaseURL)
		if err != nil || !on {
			return false, err
		}
	}
	return len(cs) > 0, nil
}
