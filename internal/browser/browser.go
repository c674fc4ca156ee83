// Package browser drives a headless Chromium over reports, for tests: load
// a report offline, collect console messages and network requests, check
// that charts painted, hover and zoom like a person would.
//
// Chromium comes from the system (Debian's chromium package; make test
// installs it); VIZRUN_CHROMIUM names another binary.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Find returns the Chromium binary to use.
func Find() (string, error) {
	if p := os.Getenv("VIZRUN_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium found: install Debian's chromium (make test does) or set VIZRUN_CHROMIUM")
}

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	ctx    context.Context
	cancel func()
	dir    string
}

// Start launches Chromium with the flags of DESIGN.md: headless, no
// sandbox (tests run as root), no GPU, and nothing that reaches the
// network by itself.
func Start(width, height int) (*Browser, error) {
	exe, err := Find()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vizrun-chromium-")
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(width, height),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// Start the browser now, so that a failure shows here.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		cancel()
		acancel()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %v", exe, err)
	}
	return &Browser{ctx: ctx, cancel: func() { cancel(); acancel() }, dir: dir}, nil
}

// Close stops Chromium and removes its profile.
func (b *Browser) Close() {
	b.cancel()
	for range 50 { // Chromium's children may still write for a moment
		if os.RemoveAll(b.dir) == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Page is a report loaded in a tab.
type Page struct {
	Ctx     context.Context
	cancel  func()
	mu      sync.Mutex
	console []string
	reqs    []string
	failed  []string
	// ReadyMs is how long after navigation started the page said every
	// chart had painted (performance.now() when body[data-vz-ready] was set).
	ReadyMs float64
}

// Open loads the report at path in a new tab and waits until its charts
// have painted (body[data-vz-ready]) or timeout.
func (b *Browser) Open(path string, timeout time.Duration) (*Page, error) {
	return b.OpenUntil(path, `body[data-vz-ready]`, timeout)
}

// OpenDark is Open with the reader's system set to a dark theme
// (prefers-color-scheme: dark).
func (b *Browser) OpenDark(path string, timeout time.Duration) (*Page, error) {
	return b.open(path, `body[data-vz-ready]`, timeout, EmulateMedia("", "prefers-color-scheme", "dark"))
}

// OpenURL is Open with a fragment (#...) after the file's URL.
func (b *Browser) OpenURL(path, fragment string, timeout time.Duration) (*Page, error) {
	return b.openFragment(path, fragment, `body[data-vz-ready]`, timeout)
}

// OpenUntil loads the HTML file at path in a new tab and waits until the
// element ready selects is visible, or timeout.
func (b *Browser) OpenUntil(path, ready string, timeout time.Duration) (*Page, error) {
	return b.open(path, ready, timeout)
}

func (b *Browser) open(path, ready string, timeout time.Duration, setup ...chromedp.Action[chromedp.Void]) (*Page, error) {
	return b.openFragment(path, "", ready, timeout, setup...)
}

func (b *Browser) openFragment(path, fragment, ready string, timeout time.Duration, setup ...chromedp.Action[chromedp.Void]) (*Page, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	tctx, tcancel := chromedp.NewContext(b.ctx)
	p := &Page{Ctx: tctx, cancel: tcancel}
	// Subscribe before navigating, so nothing is missed.
	console := chromedp.Console(tctx)
	reqs := chromedp.Events(tctx, network.RequestWillBeSent)
	fails := chromedp.Events(tctx, network.LoadingFailed)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, fmt.Sprintf("%s: %s", m.Type, m.Text))
			p.mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range reqs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.reqs = append(p.reqs, ev.Request.URL)
			p.mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range fails {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.failed = append(p.failed, fmt.Sprintf("%s: %s", ev.RequestID, ev.ErrorText))
			p.mu.Unlock()
		}
	}()
	ctx, cancel := context.WithTimeout(tctx, timeout)
	defer cancel()
	for _, a := range setup {
		if err := chromedp.Do(ctx, a); err != nil {
			p.Close()
			return nil, err
		}
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate("file://"+abs+fragment),
		chromedp.WaitVisible(ready),
	)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("loading %s: %v", path, err)
	}
	ms, err := Eval[float64](p, `window.vzReadyMs || 0`)
	if err != nil {
		p.Close()
		return nil, err
	}
	p.ReadyMs = ms
	return p, nil
}

// Close closes the tab.
func (p *Page) Close() { p.cancel() }

// Console returns the console messages and exceptions so far.
func (p *Page) Console() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.console...)
}

// Requests returns the URLs the page requested (the page itself included),
// and the requests that failed.
func (p *Page) Requests() (urls, failed []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.reqs...), append([]string(nil), p.failed...)
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](p *Page, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(p.Ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// EvalAsync evaluates a JavaScript expression that yields a promise, and
// waits for its value.
func EvalAsync[T any](p *Page, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(p.Ctx, 60*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// Ink is how much of a chart's canvas is painted.
type Ink struct {
	ID            string
	Width, Height int
	Painted       int // sampled pixels that are not background
}

// Charts samples every chart's canvas.
func (p *Page) Charts() ([]Ink, error) {
	return Eval[[]Ink](p, `Array.from(document.querySelectorAll('.chart')).map(function (el) {
		var c = el.querySelector('canvas');
		if (!c) return {ID: el.id, Width: 0, Height: 0, Painted: -1};
		var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, ink = 0;
		for (var i = 0; i < d.length; i += 4 * 7) {
			if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) ink++;
		}
		return {ID: el.id, Width: c.width, Height: c.height, Painted: ink};
	})`)
}

// Mouse moves the mouse to x, y (CSS pixels of the viewport).
func (p *Page) Mouse(x, y float64) error {
	return chromedp.Do(p.Ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y))
}

// Click clicks at x, y.
func (p *Page) Click(x, y float64) error {
	return chromedp.Do(p.Ctx, chromedp.MouseClickXY(x, y))
}

// Wheel turns the mouse wheel at x, y by dy (and dx, a horizontal wheel or
// swipe), with modifier keys held (chromedp.ModifierCtrl, ...).
func (p *Page) Wheel(x, y, dx, dy float64, mods ...chromedp.Modifier) error {
	return chromedp.Do(p.Ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseWheel, x, y,
		func(e *input.DispatchMouseEventParams) {
			// Both deltas are required, and 0 would be left out.
			e.DeltaY, e.DeltaX = dy+1e-9, dx+1e-9
			for _, m := range mods {
				e.Modifiers |= int64(m)
			}
		}))
}

// Drag presses the left button at x0, y0, moves to x1, y1 in steps and
// releases it there, with modifier keys held.
func (p *Page) Drag(x0, y0, x1, y1 float64, mods ...chromedp.Modifier) error {
	m := chromedp.ButtonModifiers(mods...)
	acts := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(chromedp.MouseMoved, x0, y0, m),
		chromedp.MouseEvent(chromedp.MousePressed, x0, y0, chromedp.Button("left"), chromedp.ClickCount(1), m),
	}
	for i := 1; i <= 8; i++ {
		f := float64(i) / 8
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f, chromedp.Button("left"), m))
	}
	acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, x1, y1, chromedp.Button("left"), chromedp.ClickCount(1), m))
	for _, a := range acts {
		if err := chromedp.Do(p.Ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// Keys types keys (see chromedp/kb for special keys: kb.ArrowDown, ...) to
// the focused element.
func (p *Page) Keys(keys string, mods ...chromedp.Modifier) error {
	return chromedp.Do(p.Ctx, chromedp.KeyEvent(keys, chromedp.KeyModifiers(mods...)))
}

// Special keys for Keys.
const (
	KeyUp     = kb.ArrowUp
	KeyDown   = kb.ArrowDown
	KeyLeft   = kb.ArrowLeft
	KeyRight  = kb.ArrowRight
	KeyEnter  = kb.Enter
	KeyEscape = kb.Escape
	KeyTab    = kb.Tab
	KeyEnd    = kb.End
	KeyHome   = kb.Home
)

// EmulateMedia sets the CSS media type ("print", "screen", "" for none)
// and, when name is not empty, a media feature (prefers-color-scheme ...).
func EmulateMedia(media, name, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		p := emulation.SetEmulatedMediaParams{Media: media}
		if name != "" {
			p.Features = []*emulation.MediaFeature{{Name: name, Value: value}}
		}
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, p)
		return err
	})
}

// Emulate applies a media emulation (see EmulateMedia) to the page.
func (p *Page) Emulate(a chromedp.Action[chromedp.Void]) error { return chromedp.Do(p.Ctx, a) }

// PDF prints the page as the browser would on paper of width × height
// inches with its default margins, and returns the PDF.
func (p *Page) PDF(width, height float64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(p.Ctx, 120*time.Second)
	defer cancel()
	var out []byte
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		r, err := cdp.Call(ctx, t, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: width, PaperHeight: height})
		out = r.Data
		return err
	}))
	return out, err
}

// Screenshot captures the whole page as PNG.
func (p *Page) Screenshot() ([]byte, error) {
	ctx, cancel := context.WithTimeout(p.Ctx, 60*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.FullScreenshot(100))
}

// Viewport captures what the window shows, as PNG.
func (p *Page) Viewport() ([]byte, error) {
	return chromedp.Run(p.Ctx, chromedp.CaptureScreenshot())
}

// Resize sets the window's size, as a narrow phone or a wide screen.
func (p *Page) Resize(width, height int64) error {
	return chromedp.Do(p.Ctx, chromedp.EmulateViewport(width, height))
}

// Sleep waits in the page's context (for a tooltip or an animation).
func (p *Page) Sleep(d time.Duration) { chromedp.Do(p.Ctx, chromedp.Sleep(d)) }
