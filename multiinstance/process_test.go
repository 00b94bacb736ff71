package multiinstance

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"tbaportal/internal/testharness"
)

// buildPortal compiles the real portal binary into a temporary directory.
func buildPortal(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "portal")
	cmd := exec.Command("go", "build", "-o", bin, "tbaportal/cmd/portal")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// testTLS is one self-signed certificate for 127.0.0.1 that the
// simulators and both portals present, written to files for the portals
// and for SSL_CERT_FILE.
type testTLS struct {
	cert              tls.Certificate
	pool              *x509.CertPool
	certFile, keyFile string
}

func newTestTLS(t *testing.T) testTLS {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "multiinstance test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tt := testTLS{certFile: filepath.Join(dir, "cert.pem"),
		keyFile: filepath.Join(dir, "key.pem"), pool: x509.NewCertPool()}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.WriteFile(tt.certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tt.keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if tt.cert, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
		t.Fatal(err)
	}
	tt.pool.AppendCertsFromPEM(certPEM)
	return tt
}

// serveTLS starts h on loopback with the test certificate.
func (tt testTLS) serveTLS(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{tt.cert},
		MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// freeAddr finds a loopback port that is free now. The portal takes a
// fixed address, so the port is closed again and handed over; another
// process could take it in between, which on a test machine is rare
// enough.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// instance is one running portal process.
type instance struct {
	name   string
	url    string
	output *testharness.SafeBuffer
	exited chan struct{}
	cmd    *exec.Cmd
}

// startPortal runs `portal serve` with env plus its own address, public
// URL and data directory. It stops the process with SIGTERM when the
// test ends, and shows its output if the test failed.
func startPortal(t *testing.T, bin, name string, env []string) *instance {
	t.Helper()
	addr := freeAddr(t)
	in := &instance{name: name, url: "https://" + addr,
		output: &testharness.SafeBuffer{}, exited: make(chan struct{})}
	in.cmd = exec.Command(bin, "serve")
	in.cmd.Env = append(env, "PORTAL_ADDR="+addr, "PORTAL_PUBLIC_URL="+in.url,
		"PORTAL_DATA_DIR="+t.TempDir())
	in.cmd.Stdout, in.cmd.Stderr = in.output, in.output
	if err := in.cmd.Start(); err != nil {
		t.Fatalf("start instance %s: %v", name, err)
	}
	go func() { _ = in.cmd.Wait(); close(in.exited) }()
	t.Cleanup(func() { in.stop(t) })
	return in
}

func (in *instance) stop(t *testing.T) {
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.exited:
	case <-time.After(15 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.exited
		t.Errorf("instance %s did not stop within 15 s of SIGTERM", in.name)
	}
	if t.Failed() {
		t.Logf("output of instance %s:\n%s", in.name, in.output)
	}
}

// waitReady polls /readyz until the instance answers 200.
func (in *instance) waitReady(t *testing.T, client *http.Client) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-in.exited:
			t.Fatalf("instance %s exited during start:\n%s", in.name, in.output)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, in.url+"/readyz", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				cancel()
				return
			}
		}
		cancel()
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("instance %s not ready after 60 s:\n%s", in.name, in.output)
}

// runPortal runs a one-shot portal command and returns its standard
// output.
func runPortal(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(env, "PORTAL_DATA_DIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("portal %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

func baseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, fmt.Sprintf("%s=%s", k, v))
		}
	}
	return env
}
