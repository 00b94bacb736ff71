package crashtest

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/netsuite/netsuitesim"
)

// TestKillDuringHandoffThenRestartConnectsOnce kills the portal with
// SIGKILL after Cloud Elements has created the instance but before the
// portal has its answer. The restarted portal takes the job again once its
// lease runs out, finds the instance by its tag and adopts it: the
// customer ends connected, with exactly one instance.
func TestKillDuringHandoffThenRestartConnectsOnce(t *testing.T) {
	f := newFixture(t, netsuitesim.Options{})
	id, invitePath := f.invite("Crash Ltd")
	first := f.start()
	b := newBrowser(first)
	b.walkWizard(first, invitePath, netsuitesim.DemoAccount())
	if code, _ := b.do(http.MethodPost, first.url("/wizard/verify"), nil); code != http.StatusSeeOther {
		t.Fatalf("verify: status %d", code)
	}

	f.ce.FailNext(cloudelementssim.FaultCreateThenHang)
	if code, _ := b.do(http.MethodPost, first.url("/wizard/connect"), nil); code != http.StatusSeeOther {
		t.Fatalf("connect: status %d", code)
	}
	eventually(t, 20*time.Second, "the simulator never received the create", func() bool {
		return len(f.ce.Instances()) == 1
	})
	first.kill()
	if ws, ok := first.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("first portal did not die of SIGKILL: %v", first.cmd.ProcessState)
	}

	second := f.start()
	b.use(second)
	eventually(t, 30*time.Second, "the submission never connected after the restart", func() bool {
		_, page := b.do(http.MethodGet, second.url("/wizard/connect"), nil)
		return strings.Contains(page, "<h1>Connected</h1>")
	})
	tag := "tbaportal-submission-" + id
	if n := f.ce.CountWithTag(tag); n != 1 {
		t.Errorf("instances with the submission's tag = %d, want 1", n)
	}
	if n := len(f.ce.Instances()); n != 1 {
		t.Errorf("simulator holds %d instances, want 1", n)
	}
	if !strings.Contains(second.logs.String(), `"adopted":true`) {
		t.Errorf("restarted portal did not adopt the existing instance; logs:\n%s", second.logs)
	}
}

// TestSIGTERMLetsSlowVerificationFinish stops the portal while a
// verification waits on a slow NetSuite: the request still gets its
// answer, and the process then exits 0 within the shutdown timeout.
func TestSIGTERMLetsSlowVerificationFinish(t *testing.T) {
	f := newFixture(t, netsuitesim.Options{SlowDelay: 3 * time.Second})
	slow := netsuitesim.DemoAccount()
	slow.ID, slow.Behaviour = "7654321", netsuitesim.Slow
	f.ns.AddAccount(slow)
	_, invitePath := f.invite("Slow Ltd")
	p := f.start()
	b := newBrowser(p)
	b.walkWizard(p, invitePath, slow)

	before := f.ns.Requests()
	type answer struct {
		code int
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		code, _, err := b.send(http.MethodPost, p.url("/wizard/verify"), nil)
		answered <- answer{code, err}
	}()
	eventually(t, 10*time.Second, "the verification never reached NetSuite", func() bool {
		return f.ns.Requests() > before
	})
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	select {
	case a := <-answered:
		if a.err != nil || a.code != http.StatusSeeOther {
			t.Errorf("verification during shutdown: status %d, error %v; want 303",
				a.code, a.err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("the verification in flight got no answer")
	}
	if !p.exited(25 * time.Second) {
		t.Fatal("portal still running 25 s after SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0; logs:\n%s", code, p.logs)
	}
	if !strings.Contains(p.logs.String(), `"msg":"verification finished"`) {
		t.Errorf("no finished verification in the logs:\n%s", p.logs)
	}
}
