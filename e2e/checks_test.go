package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAccessibilityCheckFindsViolations proves the axe check can fail: on
// a portal page spoiled on purpose (a picture without alt text, an input
// without a label) it must report both.
func TestAccessibilityCheckFindsViolations(t *testing.T) {
	h := startPortal(t)
	b := newBrowser(t, h.Portal)
	b.open("/no-such-page")
	if found := b.violations("the 404 page"); len(found) != 0 {
		t.Fatalf("the unspoiled 404 page already has violations: %q", found)
	}
	b.do("spoil the page", chromedp.Evaluate[chromedp.Void](`(() => {
		const main = document.querySelector("main") || document.body;
		const img = document.createElement("img");
		img.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
		main.appendChild(img);
		const input = document.createElement("input");
		input.type = "text";
		main.appendChild(input);
	})()`))
	found := strings.Join(b.violations("the spoiled page"), "\n")
	for _, rule := range []string{"image-alt", "label"} {
		if !strings.Contains(found, "violation "+rule+" ") {
			t.Errorf("axe did not report %s; it reported:\n%s", rule, found)
		}
	}
}
