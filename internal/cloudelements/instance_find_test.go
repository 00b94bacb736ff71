package cloudelements

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/secrets"
)

func TestFindInstancesByTag(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := map[string]string{}
	for _, tag := range []string{"sub-a", "sub-b", "sub-c"} {
		in, err := f.client.CreateInstance(ctx, validRequest(tag))
		if err != nil {
			t.Fatalf("CreateInstance(%s): %v", tag, err)
		}
		ids[tag] = in.ID
	}

	tests := []struct {
		name    string
		tag     string
		wantIDs []string
	}{
		{"one tagged instance", "sub-b", []string{ids["sub-b"]}},
		{"no such tag", "sub-z", nil},
		{"tag shared by all", "tbaportal",
			[]string{ids["sub-a"], ids["sub-b"], ids["sub-c"]}},
		{"tag needing escapes", "a&tags[]=sub-a", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.client.FindInstancesByTag(ctx, tt.tag)
			if err != nil {
				t.Fatalf("FindInstancesByTag: %v", err)
			}
			var gotIDs []string
			for _, in := range got {
				gotIDs = append(gotIDs, in.ID)
				if in.Token.IsZero() {
					t.Errorf("instance %s has no token", in.ID)
				}
			}
			if diff := cmp.Diff(tt.wantIDs, gotIDs); diff != "" {
				t.Errorf("ids mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindInstancesByTagAfterLostAnswer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.sim.FailNext("create_then_503")
	if _, err := f.client.CreateInstance(ctx, validRequest("sub-lost")); err == nil {
		t.Fatal("CreateInstance succeeded, want the scripted 503")
	}

	got, err := f.client.FindInstancesByTag(ctx, "sub-lost")

	if err != nil {
		t.Fatalf("FindInstancesByTag: %v", err)
	}
	held := f.sim.Instances()
	if len(got) != 1 || len(held) != 1 {
		t.Fatalf("found %d, simulator holds %d; want 1 and 1",
			len(got), len(held))
	}
	if got[0].Token.Reveal() != held[0].Token {
		t.Error("found instance token differs from the one created")
	}
}

func TestFindInstancesByTagIgnoresUnfilteredAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			// A server that ignores the tag filter.
			_, _ = io.WriteString(w, `[
				{"id": 1, "token": "t1", "tags": ["other"]},
				{"id": "2", "token": "t2", "tags": ["mine", "x"]},
				{"id": 3, "token": "t3"}]`)
		}))
	defer srv.Close()
	c := NewClient(Options{
		BaseURL:    srv.URL,
		UserSecret: secrets.New(cloudelementssim.DemoUserSecret),
		OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret),
	})

	got, err := c.FindInstancesByTag(context.Background(), "mine")

	if err != nil {
		t.Fatalf("FindInstancesByTag: %v", err)
	}
	if len(got) != 1 || got[0].ID != "2" {
		t.Errorf("got %+v, want only instance 2", got)
	}
}

func TestFindInstancesByTagFailures(t *testing.T) {
	tests := []struct {
		name     string
		tag      string
		user     string
		wantKind ErrorKind
	}{
		{"empty tag", "", cloudelementssim.DemoUserSecret, KindRejected},
		{"wrong user secret", "x", "wrong-user-secret-0000",
			KindUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c := NewClient(Options{
				BaseURL:    f.srv.URL + apiRoot,
				UserSecret: secrets.New(tt.user),
				OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret),
			})

			_, err := c.FindInstancesByTag(context.Background(), tt.tag)

			if e := asError(t, err); e.Kind != tt.wantKind {
				t.Errorf("kind = %q, want %q", e.Kind, tt.wantKind)
			}
		})
	}
}
