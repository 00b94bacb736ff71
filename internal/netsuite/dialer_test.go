package netsuite

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestCheckDialAddress(t *testing.T) {
	tests := []struct {
		name    string
		address string
		allowed bool
	}{
		{name: "public IPv4", address: "8.8.8.8:443", allowed: true},
		{name: "public IPv6", address: "[2606:4700:4700::1111]:443", allowed: true},
		{name: "loopback", address: "127.0.0.1:443"},
		{name: "loopback other", address: "127.5.6.7:443"},
		{name: "IPv6 loopback", address: "[::1]:443"},
		{name: "private 10", address: "10.1.2.3:443"},
		{name: "private 172", address: "172.16.0.1:443"},
		{name: "private 192", address: "192.168.1.1:443"},
		{name: "link-local metadata", address: "169.254.169.254:80"},
		{name: "IPv6 link-local", address: "[fe80::1%25eth0]:443"},
		{name: "unique local", address: "[fd00::1]:443"},
		{name: "unspecified", address: "0.0.0.0:443"},
		{name: "IPv6 unspecified", address: "[::]:443"},
		{name: "multicast", address: "224.0.0.1:443"},
		{name: "IPv6 multicast", address: "[ff02::1]:443"},
		{name: "broadcast", address: "255.255.255.255:443"},
		{name: "carrier-grade NAT", address: "100.64.0.1:443"},
		{name: "IPv4-mapped loopback", address: "[::ffff:127.0.0.1]:443"},
		{name: "NAT64 of private", address: "[64:ff9b::a00:1]:443"},
		{name: "6to4", address: "[2002:c0a8:101::1]:443"},
		{name: "host name", address: "localhost:443"},
		{name: "no port", address: "8.8.8.8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkDialAddress(tt.address)
			if tt.allowed && err != nil {
				t.Errorf("checkDialAddress(%q) = %v, want allowed", tt.address, err)
			}
			if !tt.allowed && !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("checkDialAddress(%q) = %v, want ErrForbiddenAddress",
					tt.address, err)
			}
		})
	}
}

// TestGuardedClientRefusesLoopback dials a real listener on 127.0.0.1
// with the client the package builds for the real endpoints.
func TestGuardedClientRefusesLoopback(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		requests.Add(1)
	}))
	defer srv.Close()
	tests := []struct {
		name    string
		guard   bool
		wantErr bool
	}{
		{name: "guarded", guard: true, wantErr: true},
		{name: "endpoint override", guard: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := requests.Load()
			req, _ := http.NewRequestWithContext(context.Background(),
				http.MethodGet, srv.URL, nil)
			resp, err := httpClient(nil, tt.guard).Do(req)
			if err == nil {
				resp.Body.Close()
			}
			if tt.wantErr != (err != nil) || (err != nil && !errors.Is(err, ErrForbiddenAddress)) {
				t.Fatalf("Do() error = %v, wantErr %v", err, tt.wantErr)
			}
			sent := requests.Load() - before
			if want := map[bool]int32{true: 0, false: 1}[tt.wantErr]; sent != want {
				t.Errorf("server got %d requests, want %d", sent, want)
			}
		})
	}
}

func TestNewClientGuardsOnlyRealEndpoints(t *testing.T) {
	// A client with no endpoint override uses the guarded dialer, so a
	// request to 127.0.0.1 through its HTTP client is refused before
	// any connection is made.
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		requests.Add(1)
	}))
	defer srv.Close()
	c := NewClient(ClientOptions{})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)

	_, err := c.http.Do(req)

	if !errors.Is(err, ErrForbiddenAddress) || requests.Load() != 0 {
		t.Errorf("default client reached 127.0.0.1: err %v, %d requests",
			err, requests.Load())
	}
}
