package cloudelements

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/secrets"
)

func TestParseInstanceResponse(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name     string
		status   int
		body     string
		want     Instance
		wantKind ErrorKind // "" for success
	}{
		{
			name:   "number id",
			status: 200,
			body: `{"id":480100,"name":"N","token":"tok",` +
				`"tags":["a"],"element":{"key":"netsuiteerpv2"}}`,
			want: Instance{ID: "480100", Name: "N", Tags: []string{"a"},
				Token: secrets.New("tok")},
		},
		{
			name:   "string id, 201",
			status: 201,
			body:   `{"id":"77","token":"tok"}`,
			want:   Instance{ID: "77", Token: secrets.New("tok")},
		},
		{
			name:   "id beyond float precision kept exactly",
			status: 200,
			body:   `{"id":9007199254740993,"token":"tok"}`,
			want: Instance{ID: "9007199254740993",
				Token: secrets.New("tok")},
		},
		{name: "float id", status: 200, body: `{"id":1.5,"token":"t"}`,
			wantKind: KindBadResponse},
		{name: "negative id", status: 200, body: `{"id":-1,"token":"t"}`,
			wantKind: KindBadResponse},
		{name: "id with letters", status: 200, body: `{"id":"1a","token":"t"}`,
			wantKind: KindBadResponse},
		{name: "no id", status: 200, body: `{"token":"t"}`,
			wantKind: KindBadResponse},
		{name: "no token", status: 200, body: `{"id":1}`,
			wantKind: KindBadResponse},
		{name: "trailing value", status: 200,
			body: `{"id":1,"token":"t"} {}`, wantKind: KindBadResponse},
		{name: "array", status: 200, body: `[]`, wantKind: KindBadResponse},
		{name: "400", status: 400, body: `{"message":"no"}`,
			wantKind: KindRejected},
		{name: "204", status: 204, body: ``, wantKind: KindBadResponse},
	}
	opt := cmp.Comparer(func(a, b secrets.Secret) bool {
		return a.Reveal() == b.Reveal()
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, e := parseInstanceResponse(tt.status, http.Header{},
				[]byte(tt.body), now)
			var gotKind ErrorKind
			if e != nil {
				gotKind = e.Kind
			}
			if gotKind != tt.wantKind {
				t.Fatalf("kind = %q, want %q (error %v)", gotKind, tt.wantKind, e)
			}
			if diff := cmp.Diff(tt.want, got, opt); diff != "" {
				t.Errorf("instance mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
