package probe

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// webrtcPage gathers ICE candidates with a STUN server at stun (host:port):
// on an open network Chromium sends that server a binding request over UDP.
const webrtcPage = `<!doctype html><title>rtc</title><script>
window.gathered = new Promise(resolve => {
  const pc = new RTCPeerConnection({iceServers: [{urls: "stun:%s"}]});
  const cands = [];
  pc.onicecandidate = e => { if (e.candidate) cands.push(e.candidate.candidate); else resolve(cands); };
  pc.createDataChannel("x");
  pc.createOffer().then(o => pc.setLocalDescription(o));
  setTimeout(() => resolve(cands), 4000);
});
</script>`

// udpPackets listens on a loopback UDP port and counts what arrives.
func udpPackets(t *testing.T) (addr string, count func() int) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	got := make(chan int, 1)
	got <- 0
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := conn.ReadFrom(buf); err != nil {
				return
			}
			got <- (<-got) + 1
		}
	}()
	return conn.LocalAddr().String(), func() int { n := <-got; got <- n; return n }
}

// gatherICE opens the WebRTC page in a browser launched with o and returns
// the candidates it gathered and the UDP packets the STUN port received.
func gatherICE(t *testing.T, o BrowserOptions) ([]string, int) {
	t.Helper()
	stun, count := udpPackets(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, webrtcPage, stun)
	}))
	defer srv.Close()
	b, err := Launch(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tab, closeTab, err := b.newTab(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer closeTab()
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	cands, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.gathered`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // late retransmissions
	return cands, count()
}

// TestClosedNetworkWebRTC: a page gathers ICE candidates with a STUN
// server on a loopback UDP port. With ClosedNetwork no packet reaches it and
// no candidate is gathered (no host candidate, so no mDNS name to announce);
// without it (the control, showing the test can fail) the STUN port gets
// binding requests and the host candidates are mDNS names.
func TestClosedNetworkWebRTC(t *testing.T) {
	needBrowser(t)
	cands, n := gatherICE(t, BrowserOptions{ClosedNetwork: true})
	if n != 0 || len(cands) != 0 {
		t.Errorf("closed network: STUN port got %d packets, page gathered candidates %q; want none", n, cands)
	}
	cands, n = gatherICE(t, BrowserOptions{})
	if n == 0 {
		t.Errorf("open network (control): STUN port got no packet; the test cannot tell")
	}
	if len(cands) == 0 {
		t.Errorf("open network (control): no candidate gathered")
	}
}
