package probe

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
)

// pdfTimeout bounds loading and printing one document.
const pdfTimeout = 2 * time.Minute

// PrintPDF launches a browser with opts on the closed network (a document
// fetches nothing from outside), prints html with Browser.PrintPDF and
// closes the browser: what `feedprobe report --format pdf` and the notice
// do with their one document.
func PrintPDF(ctx context.Context, opts BrowserOptions, html []byte) ([]byte, error) {
	opts.ClosedNetwork = true
	b, err := Launch(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("print pdf: %w", err)
	}
	defer b.Close()
	return b.PrintPDF(ctx, html)
}

// PrintPDF renders html (a self-contained document: it is loaded from a
// temporary file, so it can fetch nothing but data: URLs its own CSP
// allows) in a fresh tab and prints it to PDF on A4 paper, with the
// document's own @page size and margins, backgrounds and a tagged outline.
// The fonts the page uses are embedded by Chromium, so a PDF of Chinese
// text needs a font with Chinese glyphs installed (scripts/setup.sh
// installs one). Cancelling ctx aborts the print; it is safe for
// concurrent use.
func (b *Browser) PrintPDF(ctx context.Context, html []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "feedprobe-pdf-")
	if err != nil {
		return nil, fmt.Errorf("print pdf: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "document.html")
	if err := os.WriteFile(path, html, 0o600); err != nil {
		return nil, fmt.Errorf("print pdf: %w", err)
	}
	tab, cancel, err := b.newTab(ctx)
	if err != nil {
		return nil, fmt.Errorf("print pdf: %w", err)
	}
	defer cancel()
	tctx, stop := context.WithTimeout(tab, pdfTimeout)
	defer stop()
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
	if err := chromedp.Do(tctx, chromedp.Navigate(u.String())); err != nil {
		return nil, fmt.Errorf("print pdf: load document: %w", err)
	}
	pdf, err := chromedp.Run(tctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFPrintBackground(), chromedp.PDFOutlineAndTagged()))
	if err != nil {
		return nil, fmt.Errorf("print pdf: %w", err)
	}
	return pdf, nil
}
