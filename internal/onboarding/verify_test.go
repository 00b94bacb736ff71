package onboarding_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/onboarding"
)

// TestVerifyLimitHoldsUnderConcurrentChecks starts more checks at once
// than the limit allows. Each reserves its place before NetSuite is
// called, so checks still in flight count and exactly the limit's worth
// run. (Of those, the first to finish records its result; the others
// find the submission already moved on and report ErrWrongState.)
func TestVerifyLimitHoldsUnderConcurrentChecks(t *testing.T) {
	const limit, tries = 3, 8
	h := newHarness(t, func(c *onboarding.Config) { c.VerifyLimit = limit }, nil)
	inv, link := h.Invite("Acme Ltd")
	h.CompleteWizard(link, netsuitesim.DemoAccount())

	var mu sync.Mutex
	var checked, refused int
	var wg sync.WaitGroup
	for range tries {
		wg.Go(func() {
			_, err := h.Service.Verify(context.Background(), inv.Submission.ID, "customer")
			var tooMany *onboarding.TooManyAttemptsError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil, errors.Is(err, onboarding.ErrWrongState):
				checked++
			case errors.As(err, &tooMany):
				refused++
			default:
				t.Errorf("verify: %v", err)
			}
		})
	}
	wg.Wait()
	if checked != limit || refused != tries-limit {
		t.Fatalf("%d checks ran and %d were refused, want %d and %d",
			checked, refused, limit, tries-limit)
	}
}

// TestVerifyWithMissingValuesIsNotCounted: a check refused because values
// are missing never reaches NetSuite, so it does not use up the limit.
func TestVerifyWithMissingValuesIsNotCounted(t *testing.T) {
	const limit = 2
	h := newHarness(t, func(c *onboarding.Config) { c.VerifyLimit = limit }, nil)
	inv, link := h.Invite("Acme Ltd")
	id := inv.Submission.ID
	for i := range limit + 1 {
		if _, err := h.Service.Verify(context.Background(), id, "customer"); !errors.Is(err, onboarding.ErrIncomplete) {
			t.Fatalf("check %d without values: %v, want ErrIncomplete", i+1, err)
		}
	}

	h.CompleteWizard(link, netsuitesim.DemoAccount())
	for i := range limit {
		if _, err := h.Service.Verify(context.Background(), id, "customer"); err != nil {
			t.Fatalf("check %d with every value: %v", i+1, err)
		}
	}
	var tooMany *onboarding.TooManyAttemptsError
	if _, err := h.Service.Verify(context.Background(), id, "customer"); !errors.As(err, &tooMany) {
		t.Fatalf("check over the limit: %v, want TooManyAttemptsError", err)
	}
}
