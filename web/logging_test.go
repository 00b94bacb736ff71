package web_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"tbaportal/internal/testharness"
)

// logLines parses the harness's JSON log.
func logLines(t *testing.T, h *testharness.Harness) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(h.Logs.String()))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a log line is not JSON: %q", sc.Text())
		}
		out = append(out, line)
	}
	return out
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// TestLogLines checks the log an operator reads at 3 a.m.: a verification
// leaves lines that all carry the request's ID (the one the response
// names in X-Request-ID), every key is snake_case, and the level follows
// the outcome.
func TestLogLines(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	_, link := h.Invite("Logs Ltd")
	b := h.CompleteWizard(link, testharness.Demo())
	r := b.Post("/wizard/verify", url.Values{})
	id := r.Header.Get("X-Request-ID")
	if id == "" {
		t.Fatal("no X-Request-ID on the response")
	}
	missing := b.Get("/no-such-page").Header.Get("X-Request-ID")

	var verifyLines int
	levels := map[string]string{}
	for _, line := range logLines(t, h) {
		for k := range line {
			if !snakeCase.MatchString(k) {
				t.Errorf("log key %q is not snake_case", k)
			}
		}
		rid, _ := line["request_id"].(string)
		if rid == id {
			verifyLines++
		}
		if line["msg"] == "request" {
			levels[rid] = line["level"].(string)
		}
		if line["msg"] == "verification finished" && rid != id {
			t.Errorf("the verification's line carries request_id %q, want %q", rid, id)
		}
	}
	if verifyLines < 2 {
		t.Errorf("%d lines carry the verification's request_id, want its work and its request line",
			verifyLines)
	}
	if levels[id] != "INFO" || levels[missing] != "WARN" {
		t.Errorf("request levels: verify %q, 404 %q; want INFO and WARN",
			levels[id], levels[missing])
	}
	if r.StatusCode != http.StatusSeeOther {
		t.Errorf("verify: status %d", r.StatusCode)
	}
}
