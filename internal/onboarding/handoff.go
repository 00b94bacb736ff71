package onboarding

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"tbaportal/internal/audit"
	"tbaportal/internal/cloudelements"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
)

// SubmissionTag is the Cloud Elements tag that marks the one instance a
// submission may have. The worker looks for it before every create, which
// is what makes the handoff exactly-once although POST /instances is not
// idempotent.
func SubmissionTag(id string) string { return "tbaportal-submission-" + id }

// Connect is the customer's request to hand verified credentials off. The
// new state and the handoff job commit together; a worker makes the call.
func (s *Service) Connect(ctx context.Context, id string) error {
	sub, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	switch sub.Status {
	case store.StatusVerified:
	case store.StatusHandingOff, store.StatusAwaitingApproval,
		store.StatusConnected:
		return nil // a double submit: already on its way
	default:
		return ErrNotVerified
	}
	now := s.clock()
	expect := sub.Status
	sub.Step = "connect"
	sub.LastActivityAt = now
	if s.cfg.RequireApproval {
		sub.Status = store.StatusAwaitingApproval
		err = s.db.UpdateSubmission(ctx, sub, expect, event(sub.ID,
			"customer", "awaiting_approval", "waiting for an admin's approval", now))
	} else {
		sub.Status = store.StatusHandingOff
		err = s.db.StartHandoff(ctx, sub, expect, now, event(sub.ID,
			"customer", "handoff_scheduled", "handoff to Cloud Elements scheduled", now))
	}
	if errors.Is(err, store.ErrConflict) {
		return nil // another request moved it on first
	}
	return err
}

// Approve lets an awaiting submission's handoff start.
func (s *Service) Approve(ctx context.Context, id, actor string) error {
	return s.decide(ctx, id, actor, true)
}

// Reject closes an awaiting submission without a handoff.
func (s *Service) Reject(ctx context.Context, id, actor string) error {
	return s.decide(ctx, id, actor, false)
}

func (s *Service) decide(ctx context.Context, id, actor string, approve bool) error {
	sub, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if sub.Status != store.StatusAwaitingApproval {
		return ErrWrongState
	}
	now := s.clock()
	sub.DecidedBy, sub.DecidedAt, sub.LastActivityAt = actor, now, now
	if approve {
		sub.Status = store.StatusHandingOff
		err = s.db.StartHandoff(ctx, sub, store.StatusAwaitingApproval, now,
			event(sub.ID, actor, "approved", "approved; handoff scheduled", now))
		s.record(ctx, actor, audit.ActionApprove, sub.ID, "")
	} else {
		sub.Status = store.StatusRejected
		err = s.db.UpdateSubmission(ctx, sub, store.StatusAwaitingApproval,
			event(sub.ID, actor, "rejected", "rejected by an admin", now))
		s.record(ctx, actor, audit.ActionReject, sub.ID, "")
	}
	if errors.Is(err, store.ErrConflict) {
		return ErrWrongState
	}
	return err
}

// RetryHandoff schedules a failed handoff again.
func (s *Service) RetryHandoff(ctx context.Context, id, actor string) error {
	sub, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if sub.Status != store.StatusHandoffFailed {
		return ErrWrongState
	}
	if sub.WrappedKey == nil {
		return ErrSecretsPurged
	}
	now := s.clock()
	sub.Status = store.StatusHandingOff
	sub.LastActivityAt = now
	err = s.db.StartHandoff(ctx, sub, store.StatusHandoffFailed, now,
		event(sub.ID, actor, "handoff_retried", "handoff scheduled again", now))
	s.record(ctx, actor, audit.ActionRetryHandoff, sub.ID, "")
	if errors.Is(err, store.ErrConflict) {
		return ErrWrongState
	}
	return err
}

// RunHandoffs works handoff jobs until ctx ends. Each pass claims due jobs
// until none is left, then waits poll. A job in progress when ctx ends is
// finished first (bounded by the client's own timeouts), so shutdown loses
// nothing: an unfinished job is simply claimed again after its lease.
func (s *Service) RunHandoffs(ctx context.Context, worker string, poll time.Duration) {
	for {
		for s.HandoffOnce(context.WithoutCancel(ctx), worker) {
			if ctx.Err() != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}

// HandoffOnce claims and works one due job. It reports whether it found
// one.
func (s *Service) HandoffOnce(ctx context.Context, worker string) bool {
	job, err := s.db.ClaimHandoff(ctx, worker, s.clock(), s.cfg.HandoffLease)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		s.log.ErrorContext(ctx, "claim handoff failed", "error", err)
		return false
	}
	if err := s.handOff(ctx, worker, job); err != nil {
		s.log.ErrorContext(ctx, "handoff step failed",
			"submission_id", job.SubmissionID, "error", err)
	}
	return true
}

func (s *Service) handOff(ctx context.Context, worker string, job store.HandoffJob) error {
	sub, err := s.load(ctx, job.SubmissionID)
	if err != nil {
		return err
	}
	if sub.Status != store.StatusHandingOff {
		return s.db.FinishHandoff(ctx, sub, sub.Status, worker, store.JobFailed,
			"submission is no longer handing off", nil, s.clock())
	}
	if err := s.audit.Record(ctx, "handoff-worker", audit.ActionDecrypt,
		sub.ID, "purpose=handoff"); err != nil {
		return err
	}
	cr, err := s.openCredentials(ctx, sub)
	if err != nil {
		return s.failHandoff(ctx, worker, sub, "the sealed credentials could not be opened: "+err.Error())
	}

	tag := SubmissionTag(sub.ID)
	found, err := s.ce.FindInstancesByTag(ctx, tag)
	if err != nil {
		return s.retryOrFail(ctx, worker, sub, job, err)
	}
	if len(found) > 0 {
		return s.succeed(ctx, worker, sub, found[0], true)
	}
	name, err := cloudelements.NameFromTemplate(s.cfg.InstanceNameTemplate,
		sub.Company, sub.ID)
	if err != nil {
		return s.failHandoff(ctx, worker, sub, "instance name template: "+err.Error())
	}
	inst, err := s.ce.CreateInstance(ctx, cloudelements.InstanceRequest{
		Name: name, Tags: []string{tag, "tbaportal"},
		AccountID: cr.Account.Realm(), Sandbox: cr.Account.IsSandbox(),
		ConsumerKey: cr.ConsumerKey, ConsumerSecret: cr.ConsumerSecret,
		TokenID: cr.TokenID, TokenSecret: cr.TokenSecret,
		Extra: s.cfg.InstanceExtras,
	})
	if err != nil {
		return s.retryOrFail(ctx, worker, sub, job, err)
	}
	return s.succeed(ctx, worker, sub, inst, false)
}

func (s *Service) succeed(ctx context.Context, worker string, sub store.Submission, inst cloudelements.Instance, adopted bool) error {
	now := s.clock()
	var fields []store.SecretField
	if !inst.Token.IsZero() {
		key, err := s.dataKey(ctx, &sub)
		if err != nil {
			return err
		}
		sealed, err := key.Seal(FieldInstanceToken, inst.Token)
		key.Destroy()
		if err != nil {
			return err
		}
		m := secrets.MaskOf(inst.Token)
		fields = append(fields, store.SecretField{SubmissionID: sub.ID,
			Field: FieldInstanceToken, Sealed: sealed, Last4: m.Last4,
			Fingerprint: m.Fingerprint, UpdatedAt: now})
	}
	sub.Status = store.StatusConnected
	sub.InstanceID, sub.InstanceName = inst.ID, inst.Name
	sub.ConnectedAt, sub.LastActivityAt = now, now
	sub.PurgeAfter = now.Add(s.cfg.SecretRetention)
	detail := "instance " + inst.ID + " created"
	if adopted {
		detail = "instance " + inst.ID + " already existed with this submission's tag; adopted it"
	}
	err := s.db.FinishHandoff(ctx, sub, store.StatusHandingOff, worker,
		store.JobDone, "", fields, now, event(sub.ID, "handoff-worker", "connected", detail, now))
	if err != nil {
		return err
	}
	s.metrics.HandoffOutcome("connected")
	s.log.InfoContext(ctx, "handoff finished", "submission_id", sub.ID,
		"instance_id", inst.ID, "adopted", adopted)
	s.notify(ctx, sub, "submission.connected", "")
	if s.cfg.SecretRetention <= 0 {
		return s.purge(ctx, sub.ID, "retention", "secrets purged after handoff")
	}
	return nil
}

func (s *Service) retryOrFail(ctx context.Context, worker string, sub store.Submission, job store.HandoffJob, cause error) error {
	var ce *cloudelements.Error
	if !errors.As(cause, &ce) {
		ce = &cloudelements.Error{Kind: cloudelements.KindNetwork, Message: cause.Error()}
	}
	if !ce.Retryable() || job.Attempts >= s.cfg.HandoffMaxAttempts {
		return s.failHandoff(ctx, worker, sub, describeCloudError(ce))
	}
	wait := backoff(job.Attempts, s.cfg.HandoffBackoffBase, s.cfg.HandoffBackoffCap)
	if ce.RetryAfter > wait {
		wait = min(ce.RetryAfter, s.cfg.HandoffBackoffCap)
	}
	now := s.clock()
	detail := fmt.Sprintf("attempt %d: %s; next try in %s", job.Attempts,
		describeCloudError(ce), wait.Round(time.Second))
	s.metrics.HandoffOutcome("retry")
	s.log.WarnContext(ctx, "handoff will be retried", "submission_id", sub.ID,
		"attempt", job.Attempts, "kind", ce.Kind, "status", ce.Status)
	return s.db.RescheduleHandoff(ctx, sub.ID, worker, now.Add(wait), detail,
		now, event(sub.ID, "handoff-worker", "handoff_retry", detail, now))
}

func (s *Service) failHandoff(ctx context.Context, worker string, sub store.Submission, reason string) error {
	now := s.clock()
	sub.Status = store.StatusHandoffFailed
	sub.LastActivityAt = now
	s.metrics.HandoffOutcome("failed")
	s.log.ErrorContext(ctx, "handoff failed", "submission_id", sub.ID, "reason", reason)
	err := s.db.FinishHandoff(ctx, sub, store.StatusHandingOff, worker,
		store.JobFailed, reason, nil, now,
		event(sub.ID, "handoff-worker", "handoff_failed", reason, now))
	if err == nil {
		s.notify(ctx, sub, "submission.handoff_failed", "handoff failed")
	}
	return err
}

// describeCloudError is the admin-facing text of a Cloud Elements failure.
// It is stored raw and escaped when shown.
func describeCloudError(e *cloudelements.Error) string {
	switch e.Kind {
	case cloudelements.KindUnauthorized:
		return "configuration error: Cloud Elements refused the operator's User and Organization secrets (" +
			e.Message + ")"
	case cloudelements.KindRejected:
		return fmt.Sprintf("Cloud Elements rejected the instance (HTTP %d): %s", e.Status, e.Message)
	}
	if e.Status != 0 {
		return fmt.Sprintf("Cloud Elements error (%s, HTTP %d): %s", e.Kind, e.Status, e.Message)
	}
	// A transport failure has no message from Cloud Elements; its cause
	// (the URL, without secrets, and what went wrong) says what happened.
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("Cloud Elements could not be reached (%s): %s", e.Kind, msg)
}

// backoff is capped exponential backoff with full jitter in its upper
// half, so that many failed jobs do not retry in step.
func backoff(attempt int, base, cap time.Duration) time.Duration {
	d := base << min(attempt, 20)
	if d <= 0 || d > cap {
		d = cap
	}
	half := d / 2
	return half + rand.N(half+1)
}

func (s *Service) notify(ctx context.Context, sub store.Submission, kind, reason string) {
	if s.notifier == nil {
		return
	}
	s.notifier.Notify(ctx, Notification{Event: kind, SubmissionID: sub.ID,
		Company: sub.Company, AccountID: sub.AccountID,
		InstanceID: sub.InstanceID, Reason: reason, At: s.clock()})
}
