package cloudelementssim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// demoAuth is the Authorization header the demo secrets call for.
var demoAuth = "User " + DemoUserSecret + ", Organization " + DemoOrgSecret

// hexValue is a 64-hex value such as NetSuite issues, varied by seed.
func hexValue(seed byte) string {
	return strings.Repeat(fmt.Sprintf("%02x", seed), 32)
}

// validConfig is a configuration the simulator accepts.
func validConfig() map[string]any {
	return map[string]any{
		"netsuite.accountId":  "1234567_SB1",
		"netsuite.sandbox":    true,
		"authentication.type": "TokenBasedAuthentication",
		"consumer_key":        hexValue(1),
		"consumer_secret":     hexValue(2),
		"token_id":            hexValue(3),
		"token_secret":        hexValue(4),
	}
}

// validBody is a create request body the simulator accepts.
func validBody(tags ...string) map[string]any {
	return map[string]any{
		"element":       map[string]any{"key": "netsuiteerpv2"},
		"name":          "NetSuite – Acme",
		"tags":          tags,
		"configuration": validConfig(),
	}
}

// encode renders v as JSON or fails the test.
func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// post sends a hand-built POST /instances to h.
func post(h http.Handler, auth, contentType,
	body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/instances",
		strings.NewReader(body))
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// get sends a hand-built GET to h.
func get(h http.Handler, auth, target string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// message returns the message field of an error answer.
func message(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", w.Body, err)
	}
	if e.RequestID == "" {
		t.Error("error body has no requestId")
	}
	return e.Message
}

func TestCreate(t *testing.T) {
	s := New(Demo())
	body := validBody("tbaportal", "sub-1")
	body["configuration"].(map[string]any)["filter.response.nulls"] = "true"

	w := post(s.Handler(), demoAuth, "application/json; charset=utf-8",
		encode(t, body))

	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", w.Code, w.Body)
	}
	var got struct {
		ID    json.Number `json:"id"`
		Token string      `json:"token"`
		Name  string      `json:"name"`
		Tags  []string    `json:"tags"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	held := s.Instances()
	if len(held) != 1 {
		t.Fatalf("holds %d instances, want 1", len(held))
	}
	want := Instance{
		ID:            firstID,
		Name:          "NetSuite – Acme",
		Tags:          []string{"tbaportal", "sub-1"},
		Configuration: body["configuration"].(map[string]any),
		ElementKey:    "netsuiteerpv2",
		Token:         got.Token,
	}
	if diff := cmp.Diff(want, held[0]); diff != "" {
		t.Errorf("instance mismatch (-want +got):\n%s", diff)
	}
	if got.ID.String() != fmt.Sprint(firstID) || got.Name != want.Name ||
		!cmp.Equal(got.Tags, want.Tags) {
		t.Errorf("answer = %+v, want id %d and the request's name and tags",
			got, firstID)
	}
	if len(got.Token) != 44 {
		t.Errorf("token %q is not 32 bytes in base64", got.Token)
	}
}

func TestCreateRejects(t *testing.T) {
	tests := []struct {
		name        string
		auth        string
		contentType string
		edit        func(map[string]any, map[string]any) // body, config
		raw         string                               // body instead of edit
		wantStatus  int
		wantMsg     string
	}{
		{name: "no authorization", wantStatus: 401, wantMsg: "secret"},
		{name: "wrong user secret",
			auth:       "User nope, Organization " + DemoOrgSecret,
			wantStatus: 401, wantMsg: "secret"},
		{name: "wrong organization secret",
			auth:       "User " + DemoUserSecret + ", Organization nope",
			wantStatus: 401, wantMsg: "secret"},
		{name: "parts swapped",
			auth: "Organization " + DemoOrgSecret + ", User " +
				DemoUserSecret,
			wantStatus: 401, wantMsg: "secret"},
		{name: "no comma", auth: "User " + DemoUserSecret,
			wantStatus: 401, wantMsg: "secret"},
		{name: "bearer", auth: "Bearer " + DemoUserSecret,
			wantStatus: 401, wantMsg: "secret"},
		{name: "not JSON content type", auth: demoAuth,
			contentType: "text/plain", wantStatus: 415,
			wantMsg: "application/json"},
		{name: "malformed JSON", auth: demoAuth, raw: `{"element":`,
			wantStatus: 400, wantMsg: "Malformed"},
		{name: "no element", auth: demoAuth,
			edit:       func(b, _ map[string]any) { delete(b, "element") },
			wantStatus: 400, wantMsg: "element key"},
		{name: "empty element key", auth: demoAuth,
			edit: func(b, _ map[string]any) {
				b["element"] = map[string]any{"key": ""}
			},
			wantStatus: 400, wantMsg: "element key"},
		{name: "unknown element", auth: demoAuth,
			edit: func(b, _ map[string]any) {
				b["element"] = map[string]any{"key": "salesforce"}
			},
			wantStatus: 400, wantMsg: `"salesforce"`},
		{name: "no name", auth: demoAuth,
			edit:       func(b, _ map[string]any) { b["name"] = " " },
			wantStatus: 400, wantMsg: "name"},
		{name: "empty tag", auth: demoAuth,
			edit:       func(b, _ map[string]any) { b["tags"] = []string{""} },
			wantStatus: 400, wantMsg: "Tags"},
		{name: "no configuration", auth: demoAuth,
			edit:       func(b, _ map[string]any) { delete(b, "configuration") },
			wantStatus: 400, wantMsg: "configuration"},
		{name: "sandbox as a string", auth: demoAuth,
			edit: func(_, c map[string]any) {
				c["netsuite.sandbox"] = "false"
			},
			wantStatus: 400, wantMsg: "netsuite.sandbox: expected a boolean"},
		{name: "account ID as a number", auth: demoAuth,
			edit: func(_, c map[string]any) {
				c["netsuite.accountId"] = 1234567
			},
			wantStatus: 400, wantMsg: "netsuite.accountId: expected a string"},
		{name: "account ID in host form", auth: demoAuth,
			edit: func(_, c map[string]any) {
				c["netsuite.accountId"] = "1234567-sb1"
			},
			wantStatus: 400, wantMsg: "netsuite.accountId"},
		{name: "account ID aiming elsewhere", auth: demoAuth,
			edit: func(_, c map[string]any) {
				c["netsuite.accountId"] = "evil.com#"
			},
			wantStatus: 400, wantMsg: "netsuite.accountId"},
		{name: "OAuth 2 authentication type", auth: demoAuth,
			edit: func(_, c map[string]any) {
				c["authentication.type"] = "oauth2"
			},
			wantStatus: 400, wantMsg: "authentication.type"},
		{name: "consumer key too short", auth: demoAuth,
			edit: func(_, c map[string]any) {
				c["consumer_key"] = hexValue(1)[:63]
			},
			wantStatus: 400, wantMsg: "consumer_key"},
		{name: "token secret not hex", auth: demoAuth,
			edit: func(_, c map[string]any) {
				c["token_secret"] = strings.Repeat("zz", 32)
			},
			wantStatus: 400, wantMsg: "token_secret"},
		{name: "body too large", auth: demoAuth,
			raw:        `{"name":"` + strings.Repeat("a", maxBody) + `"}`,
			wantStatus: 413, wantMsg: "too large"},
	}
	for _, k := range []string{"netsuite.accountId", "netsuite.sandbox",
		"authentication.type", "consumer_key", "consumer_secret",
		"token_id", "token_secret"} {
		tests = append(tests, struct {
			name        string
			auth        string
			contentType string
			edit        func(map[string]any, map[string]any)
			raw         string
			wantStatus  int
			wantMsg     string
		}{
			name: "missing " + k, auth: demoAuth,
			edit:       func(_, c map[string]any) { delete(c, k) },
			wantStatus: 400,
			wantMsg:    "Missing required configuration: " + k,
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Demo())
			body := tt.raw
			if body == "" {
				b := validBody("t")
				if tt.edit != nil {
					tt.edit(b, b["configuration"].(map[string]any))
				}
				body = encode(t, b)
			}
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}

			w := post(s.Handler(), tt.auth, ct, body)

			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if msg := message(t, w); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.wantMsg)
			}
			if n := len(s.Instances()); n != 0 {
				t.Errorf("holds %d instances, want 0", n)
			}
		})
	}
}

func TestCreateAcceptsAccountForms(t *testing.T) {
	for _, acct := range []string{"1234567", "1234567_SB1", "1234567_SB12",
		"1234567_RP2", "TSTDRV1234567"} {
		t.Run(acct, func(t *testing.T) {
			s := New(Demo())
			b := validBody("t")
			b["configuration"].(map[string]any)["netsuite.accountId"] = acct

			w := post(s.Handler(), demoAuth, "application/json", encode(t, b))

			if w.Code != http.StatusOK {
				t.Errorf("status = %d, want 200; body %s", w.Code, w.Body)
			}
		})
	}
}

func TestCreateConcurrentUniqueIDsAndTokens(t *testing.T) {
	s := New(Demo())
	h := s.Handler()
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := encode(t, validBody(fmt.Sprintf("sub-%d", i)))
			if w := post(h, demoAuth, "application/json", body); w.Code != 200 {
				t.Errorf("status = %d, want 200", w.Code)
			}
		})
	}
	wg.Wait()

	ids, tokens := map[int64]bool{}, map[string]bool{}
	for _, in := range s.Instances() {
		ids[in.ID], tokens[in.Token] = true, true
	}
	if len(ids) != n || len(tokens) != n {
		t.Errorf("%d ids and %d tokens for %d instances, want all distinct",
			len(ids), len(tokens), n)
	}
}

func TestInstancesReturnsCopies(t *testing.T) {
	s := New(Demo())
	post(s.Handler(), demoAuth, "application/json", encode(t, validBody("a")))
	before := s.Instances()

	got := s.Instances()
	got[0].Tags[0] = "changed"
	got[0].Configuration["token_id"] = "changed"

	if diff := cmp.Diff(before, s.Instances()); diff != "" {
		t.Errorf("state changed through a copy (-want +got):\n%s", diff)
	}
}

func TestListAndCount(t *testing.T) {
	s := New(Demo())
	h := s.Handler()
	for _, tags := range [][]string{{"p", "a"}, {"p", "b"}, {"q", "a"}} {
		if w := post(h, demoAuth, "application/json",
			encode(t, validBody(tags...))); w.Code != 200 {
			t.Fatalf("create: status %d", w.Code)
		}
	}

	tests := []struct {
		name    string
		target  string
		wantIDs []int64
	}{
		{"no filter", "/instances", []int64{firstID, firstID + 1, firstID + 2}},
		{"one tag", "/instances?tags%5B%5D=b", []int64{firstID + 1}},
		{"shared tag", "/instances?tags[]=a", []int64{firstID, firstID + 2}},
		{"all tags must match", "/instances?tags[]=p&tags[]=a",
			[]int64{firstID}},
		{"unknown tag", "/instances?tags[]=zzz", []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := get(h, demoAuth, tt.target)
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", w.Code)
			}
			var got []wireInstance
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("answer is not a JSON array: %v", err)
			}
			ids := []int64{}
			for _, in := range got {
				ids = append(ids, in.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("ids mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got := s.CountWithTag("a"); got != 2 {
		t.Errorf("CountWithTag(a) = %d, want 2", got)
	}
	if got := s.CountWithTag("zzz"); got != 0 {
		t.Errorf("CountWithTag(zzz) = %d, want 0", got)
	}
}

func TestGetInstance(t *testing.T) {
	s := New(Demo())
	h := s.Handler()
	post(h, demoAuth, "application/json", encode(t, validBody("a")))

	tests := []struct {
		name       string
		auth       string
		target     string
		wantStatus int
	}{
		{"held", demoAuth, fmt.Sprintf("/instances/%d", firstID), 200},
		{"unknown", demoAuth, "/instances/1", 404},
		{"not a number", demoAuth, "/instances/abc", 404},
		{"unauthorized", "User x, Organization y",
			fmt.Sprintf("/instances/%d", firstID), 401},
		{"list unauthorized", "", "/instances", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := get(h, tt.auth, tt.target)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
		})
	}
}

func TestFaultsInOrder(t *testing.T) {
	s := New(Demo())
	h := s.Handler()
	s.FailNext(Fault503, Fault429, Fault400, FaultBadJSON, "no-such-fault")

	var got []int
	var answers []*httptest.ResponseRecorder
	for range 6 {
		w := post(h, demoAuth, "application/json", encode(t, validBody("a")))
		got = append(got, w.Code)
		answers = append(answers, w)
	}

	want := []int{503, 429, 400, 200, 500, 200}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses mismatch (-want +got):\n%s", diff)
	}
	if n := len(s.Instances()); n != 1 {
		t.Errorf("holds %d instances, want 1 (only the unscripted POST)", n)
	}
	if ra := answers[1].Header().Get("Retry-After"); ra != "1" {
		t.Errorf("429 Retry-After = %q, want 1", ra)
	}
	if json.Valid(answers[3].Body.Bytes()) {
		t.Errorf("bad_json answer is valid JSON: %s", answers[3].Body)
	}
	if !json.Valid(answers[5].Body.Bytes()) {
		t.Errorf("unscripted answer is not JSON: %s", answers[5].Body)
	}
}

func TestFault429Date(t *testing.T) {
	s := New(Demo())
	s.FailNext(Fault429Date)

	w := post(s.Handler(), demoAuth, "application/json",
		encode(t, validBody("a")))

	at, err := http.ParseTime(w.Header().Get("Retry-After"))
	if err != nil {
		t.Fatalf("Retry-After is not an HTTP date: %v", err)
	}
	if d := time.Until(at); d < time.Minute || d > 3*time.Minute {
		t.Errorf("Retry-After is %v ahead, want about 2m", d)
	}
}

func TestFaultsOverTheNetwork(t *testing.T) {
	tests := []struct {
		name       string
		fault      Fault
		wantStatus int // 0: the request fails
		wantHeld   int
	}{
		{"reset", FaultReset, 0, 0},
		{"timeout", FaultTimeout, 0, 0},
		{"create then 503", FaultCreateThen503, 503, 1},
		{"create then hang", FaultCreateThenHang, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Demo())
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			s.FailNext(tt.fault)

			status, err := postOverNetwork(srv.URL, encode(t, validBody("a")))

			if (tt.wantStatus == 0) != (err != nil) || status != tt.wantStatus {
				t.Errorf("status, error = %d, %v; want %d", status, err,
					tt.wantStatus)
			}
			if n := s.CountWithTag("a"); n != tt.wantHeld {
				t.Errorf("holds %d instances, want %d", n, tt.wantHeld)
			}
		})
	}
}

// postOverNetwork makes a real POST that gives up after 300 ms.
func postOverNetwork(base, body string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(),
		300*time.Millisecond)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost,
		base+"/instances", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	r.Header.Set("Authorization", demoAuth)
	r.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func TestSetDelay(t *testing.T) {
	s := New(Demo())
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	s.SetDelay(10 * time.Second)

	_, err := postOverNetwork(srv.URL, encode(t, validBody("a")))

	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want the client's deadline to pass first", err)
	}
	if n := len(s.Instances()); n != 0 {
		t.Errorf("holds %d instances, want 0", n)
	}
}

func TestLogsCarryNoSecret(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	o := Demo()
	o.Logger = slog.New(slog.NewTextHandler(&lockedWriter{&mu, &buf}, nil))
	s := New(o)
	body := validBody("a")
	post(s.Handler(), demoAuth, "application/json", encode(t, body))

	mu.Lock()
	logs := buf.String()
	mu.Unlock()
	if !strings.Contains(logs, "route=\"POST /instances\"") ||
		!strings.Contains(logs, "status=200") {
		t.Errorf("log lacks route and status: %s", logs)
	}
	secrets := []string{DemoUserSecret, DemoOrgSecret}
	for v := range maps.Values(body["configuration"].(map[string]any)) {
		if s, ok := v.(string); ok && len(s) == 64 {
			secrets = append(secrets, s)
		}
	}
	for _, v := range secrets {
		if strings.Contains(logs, v) {
			t.Errorf("log reveals %q", v)
		}
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

// Write writes p under the lock.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
