package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// A persona's emulation (device, user agent, locale, time zone, position)
// is a set of overrides of the DevTools emulation domain, and those hold
// for one tab. A tab that a persona's page opens (a link with
// target=_blank, window.open) starts as the bare browser, "HeadlessChrome"
// in its user agent and the machine's time zone, and sends its first
// request before anyone could attach to it (TestEmulationInNewTabs
// measured exactly that). Neither the opener's auto-attach (it covers
// frames and workers, not the tabs a page opens) nor the browser's (it
// needs flat sessions, and chromedp routes messages only for the sessions
// it made) can pause it in time, and a tab whose first navigation is
// pending has no renderer yet, so chromedp cannot attach to it either.
//
// So the browser intercepts every document request (the fetch domain on
// the browser session, documents only). A request of a page of a
// persona's browser context that is not yet emulated waits while the
// browser attaches to the page with a session of its own (not flat: its
// commands go through Target.sendMessageToTarget and its answers come
// back as Target.receivedMessageFromTarget) and sends it the persona's
// emulation commands; the request then goes on with the persona's
// User-Agent and Accept-Language (it was made before the override) and
// without the browser's own client hints. The session stays attached, as
// the overrides end with it, until the page closes. Every other document
// request goes on at once.

// newTabEmulation holds the emulation of each browser context whose
// persona has set it, and the pages already emulated. It is safe for
// concurrent use.
type newTabEmulation struct {
	mu     sync.Mutex
	byCtx  map[cdp.BrowserContextID]*contextEmulation
	done   map[target.ID]bool // pages emulated (a session's own tab, or attached here)
	nextID atomic.Int64       // of the commands sent to attached pages
	// answers are the waiters of commands sent to attached pages, by id.
	answers map[int64]chan string
}

// contextEmulation is one persona's emulation: its commands and the
// headers its requests carry.
type contextEmulation struct {
	cmds           []cdpCommand
	userAgent      string
	acceptLanguage string
}

// set makes the pages of browser context id other than own (the
// session's tab, emulated by the session) get cmds before their first
// document loads.
func (e *newTabEmulation) set(id cdp.BrowserContextID, own target.ID, cmds []cdpCommand) {
	ce := &contextEmulation{cmds: cmds}
	for _, c := range cmds {
		if p, ok := c.params.(emulation.SetUserAgentOverrideParams); ok {
			ce.userAgent, ce.acceptLanguage = p.UserAgent, p.AcceptLanguage
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byCtx == nil {
		e.byCtx, e.done = map[cdp.BrowserContextID]*contextEmulation{}, map[target.ID]bool{}
	}
	e.byCtx[id] = ce
	e.done[own] = true
}

// forget drops the emulation of browser context id and the session's tab.
func (e *newTabEmulation) forget(id cdp.BrowserContextID, own target.ID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.byCtx, id)
	delete(e.done, own)
}

// claim returns the emulation of a page of browser context id that is not
// emulated yet, and marks it emulated; nil when there is none to apply.
func (e *newTabEmulation) claim(id cdp.BrowserContextID, page target.ID) *contextEmulation {
	e.mu.Lock()
	defer e.mu.Unlock()
	ce := e.byCtx[id]
	if ce == nil || e.done[page] {
		return nil
	}
	e.done[page] = true
	return ce
}

// emulated reports whether page was emulated here or by its session.
func (e *newTabEmulation) emulated(page target.ID) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.done[page]
}

// watchNewTabs starts intercepting document requests; it returns once the
// browser accepted it. The watch ends with the browser's context.
func (b *Browser) watchNewTabs() error {
	if err := chromedp.ListenBrowser(b.ctx, func(ev any) {
		switch ev := ev.(type) {
		case *fetch.EventRequestPaused:
			// Never block chromedp's reader: the commands wait for the
			// browser.
			go b.documentRequest(ev)
		case *target.EventReceivedMessageFromTarget:
			b.answer(ev.Message)
		case *target.EventTargetDestroyed:
			b.tabs.mu.Lock()
			delete(b.tabs.done, ev.TargetID)
			b.tabs.mu.Unlock()
		}
	}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.CallBrowser(ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "*", ResourceType: network.ResourceTypeDocument}},
	})
	if err != nil {
		return fmt.Errorf("watch the tabs pages open: %w", err)
	}
	return nil
}

// newTabCommandWait bounds the wait for one emulation command's answer
// before the page's request goes on. A command the renderer handles is
// answered only once the page has a renderer, after the request; it is
// delivered before the document runs all the same.
const newTabCommandWait = 300 * time.Millisecond

// documentRequest lets a paused document request go on, after emulating
// its page when it is a page of a persona's context not yet emulated.
func (b *Browser) documentRequest(ev *fetch.EventRequestPaused) {
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	var headers []*fetch.HeaderEntry
	defer func() {
		if _, err := chromedp.CallBrowser(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID, Headers: headers}); err != nil {
			b.logger.Debug("let a document request go on", "error", err.Error())
		}
	}()
	page := target.ID(ev.FrameID) // a page's main frame has the page's id
	if b.tabs.emulated(page) {
		return
	}
	info, err := chromedp.CallBrowser(ctx, target.GetTargetInfo, target.GetTargetInfoParams{TargetID: page})
	if err != nil || info.TargetInfo == nil || info.TargetInfo.Type != "page" {
		return // a frame's document, or a page gone
	}
	ce := b.tabs.claim(info.TargetInfo.BrowserContextID, page)
	if ce == nil {
		return
	}
	var att struct {
		SessionID target.SessionID `json:"sessionId"`
	}
	if err := chromedp.FromContext(b.ctx).Browser.Call(ctx, target.AttachToTarget.Method, map[string]any{"targetId": page, "flatten": false}, &att); err != nil {
		b.logger.Warn("a new tab is not emulated", "error", err.Error())
		return
	}
	for _, c := range ce.cmds {
		if err := b.sendToPage(ctx, att.SessionID, c); err != nil {
			b.logger.Warn("a new tab is not fully emulated", "step", c.what, "error", err.Error())
			break
		}
	}
	headers = personaHeaders(ev.Request.Headers, ce.userAgent, ce.acceptLanguage)
}

// personaHeaders are a paused request's headers with the persona's
// User-Agent and Accept-Language, and without the browser's user-agent
// client hints (Sec-CH-UA*), which an overridden user agent does not send.
func personaHeaders(h network.Headers, ua, lang string) []*fetch.HeaderEntry {
	var out []*fetch.HeaderEntry
	for k, v := range h {
		switch lk := strings.ToLower(k); {
		case lk == "user-agent" || lk == "accept-language" || strings.HasPrefix(lk, "sec-ch-ua"):
			continue
		}
		out = append(out, &fetch.HeaderEntry{Name: k, Value: fmt.Sprint(v)})
	}
	out = append(out, &fetch.HeaderEntry{Name: "User-Agent", Value: ua})
	if lang != "" {
		out = append(out, &fetch.HeaderEntry{Name: "Accept-Language", Value: acceptLanguageHeader(lang)})
	}
	return out
}

// sendToPage sends command c to a page attached here and waits up to
// newTabCommandWait for its answer: an error answer is returned, a late
// one is not waited for (the commands of a session run in order).
func (b *Browser) sendToPage(ctx context.Context, session target.SessionID, c cdpCommand) error {
	id := b.tabs.nextID.Add(1)
	params, err := jsonv2.Marshal(c.params, chromedp.DefaultMarshalOptions)
	if err != nil {
		return err
	}
	msg, err := json.Marshal(struct {
		ID     int64           `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}{id, c.method, params})
	if err != nil {
		return err
	}
	ch := make(chan string, 1)
	b.tabs.mu.Lock()
	if b.tabs.answers == nil {
		b.tabs.answers = map[int64]chan string{}
	}
	b.tabs.answers[id] = ch
	b.tabs.mu.Unlock()
	defer func() {
		b.tabs.mu.Lock()
		delete(b.tabs.answers, id)
		b.tabs.mu.Unlock()
	}()
	if err := chromedp.FromContext(b.ctx).Browser.Call(ctx, "Target.sendMessageToTarget", map[string]any{"message": string(msg), "sessionId": session}, nil); err != nil {
		return err
	}
	t := time.NewTimer(newTabCommandWait)
	defer t.Stop()
	select {
	case e := <-ch:
		if e != "" {
			return fmt.Errorf("%s: %s", c.method, e)
		}
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// answer hands the answer of a command sent to an attached page to its
// waiter: "" or the error's message.
func (b *Browser) answer(message string) {
	var m struct {
		ID    int64 `json:"id"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(message), &m) != nil || m.ID == 0 {
		return // an event of the page
	}
	b.tabs.mu.Lock()
	ch := b.tabs.answers[m.ID]
	b.tabs.mu.Unlock()
	if ch == nil {
		return
	}
	e := ""
	if m.Error != nil {
		e = m.Error.Message
	}
	ch <- e
}
