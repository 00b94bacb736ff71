package onboarding

import (
	"context"
	"errors"

	"tbaportal/internal/audit"
	"tbaportal/internal/netsuite"
	"tbaportal/internal/store"
)

// Verification is the outcome of one attempt, with its diagnosis.
type Verification struct {
	Attempt   store.Attempt
	Result    netsuite.Result
	Diagnosis netsuite.Diagnosis
}

// Verify checks a submission's credentials live against NetSuite and
// records the attempt. actor is "customer" or an admin's email. Attempts
// are limited per submission so that a customer cannot lock their
// NetSuite user out by retrying.
func (s *Service) Verify(ctx context.Context, id, actor string) (Verification, error) {
	sub, err := s.load(ctx, id)
	if err != nil {
		return Verification{}, err
	}
	if !editable(sub.Status) && actor == "customer" {
		return Verification{}, ErrLocked
	}
	// Missing values are reported before a check is counted: only a
	// check that will reach NetSuite uses up one of the limit's.
	sealed, err := s.storedCredentials(ctx, sub)
	if err != nil {
		return Verification{}, err
	}
	if err := s.startAttempt(ctx, sub.ID); err != nil {
		return Verification{}, err
	}
	if err := s.audit.Record(ctx, actor, audit.ActionDecrypt, sub.ID,
		"purpose=verification"); err != nil {
		return Verification{}, err
	}
	cr, err := sealed.open(ctx, s.keys)
	if err != nil {
		return Verification{}, err
	}

	res := s.netsuite.Verify(ctx, cr)
	s.metrics.VerificationOutcome(string(res.Outcome))
	diag := netsuite.Diagnose(res)
	return s.recordVerification(ctx, sub, actor, res, diag)
}

// startAttempt reserves one of the submission's checks in the window
// before NetSuite is called, so that checks in flight count too: the
// limit holds however many requests arrive at once, on any instance.
func (s *Service) startAttempt(ctx context.Context, id string) error {
	if s.cfg.VerifyLimit <= 0 {
		return nil
	}
	now := s.clock()
	_, full, err := s.db.TakeAttemptSlot(ctx, store.ScopeVerification, id,
		now, now.Add(-s.cfg.VerifyWindow), s.cfg.VerifyLimit)
	if err != nil {
		return err
	}
	if full != nil {
		// The oldest of the newest VerifyLimit checks leaves the window
		// first; then one more is allowed.
		return &TooManyAttemptsError{RetryAt: full[0].Add(s.cfg.VerifyWindow)}
	}
	return nil
}

func (s *Service) recordVerification(ctx context.Context, sub store.Submission, actor string, res netsuite.Result, diag netsuite.Diagnosis) (Verification, error) {
	now := s.clock()
	a := store.Attempt{
		SubmissionID: sub.ID, At: now, Actor: actor,
		Outcome: string(res.Outcome), Code: res.Code, Message: res.Message,
		Skew: res.Skew, RESTChecked: res.RESTChecked,
		RESTEnabled: res.RESTEnabled, Duration: res.Duration,
	}
	expect := sub.Status
	if editable(sub.Status) {
		sub.Status = store.StatusVerificationFailed
		if res.Outcome == netsuite.OutcomeVerified {
			sub.Status = store.StatusVerified
		}
		if StepIndex(sub.Step) < StepIndex("verify") {
			sub.Step = "verify"
		}
	}
	sub.LastActivityAt = now
	ev := event(sub.ID, actor, "verification", diag.Title, now)
	err := s.db.RecordAttempt(ctx, sub, expect, a, ev)
	if errors.Is(err, store.ErrConflict) {
		return Verification{}, ErrWrongState
	}
	s.log.InfoContext(ctx, "verification finished", "submission_id", sub.ID,
		"outcome", res.Outcome, "attempts", res.Attempts,
		"duration_ms", res.Duration.Milliseconds())
	return Verification{Attempt: a, Result: res, Diagnosis: diag}, err
}

// LatestVerification returns the newest attempt and its diagnosis, if any.
func (s *Service) LatestVerification(ctx context.Context, id string) (*Verification, error) {
	attempts, err := s.db.Attempts(ctx, id)
	if err != nil || len(attempts) == 0 {
		return nil, err
	}
	a := attempts[0]
	res := ResultOf(a)
	if res.Outcome == netsuite.OutcomeSandboxMismatch {
		res.MatchedAccount = s.counterpart(ctx, id)
	}
	return &Verification{Attempt: a, Result: res, Diagnosis: netsuite.Diagnose(res)}, nil
}

// counterpart names the account a sandbox mismatch matched. Attempts do
// not store it, but Verify only ever tries the counterpart of the saved
// Account ID, so it can be derived; "" when it cannot.
func (s *Service) counterpart(ctx context.Context, id string) string {
	sub, err := s.load(ctx, id)
	if err != nil {
		return ""
	}
	a, err := netsuite.ParseAccountID(sub.AccountID)
	if err != nil {
		return ""
	}
	other, ok := a.Counterpart()
	if !ok {
		return ""
	}
	return other.Realm()
}

// ResultOf rebuilds the netsuite.Result a stored attempt came from, enough
// to diagnose it again.
func ResultOf(a store.Attempt) netsuite.Result {
	return netsuite.Result{
		Outcome: netsuite.Outcome(a.Outcome), Code: a.Code, Message: a.Message,
		Skew: a.Skew, RESTChecked: a.RESTChecked, RESTEnabled: a.RESTEnabled,
		Duration: a.Duration,
	}
}
