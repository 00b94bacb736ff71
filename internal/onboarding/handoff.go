package onboarding

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
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
		if err == nil {
			s.jobs.broadcast()
		}
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
	action := audit.ActionReject
	if approve {
		action = audit.ActionApprove
		sub.Status = store.StatusHandingOff
		err = s.db.StartHandoff(ctx, sub, store.StatusAwaitingApproval, now,
			event(sub.ID, actor, "approved", "approved; handoff scheduled", now))
		if err == nil {
			s.jobs.broadcast()
		}
	} else {
		sub.Status = store.StatusRejected
		err = s.db.UpdateSubmission(ctx, sub, store.StatusAwaitingApproval,
			event(sub.ID, actor, "rejected", "rejected by an admin", now))
	}
	return s.recordDecision(ctx, actor, action, sub.ID, err)
}

// recordDecision audits an admin's decision once its state change has
// committed, and only then: a decision refused because another request
// moved the submission first changed nothing, so the log must not say
// it happened. It returns the error the caller reports.
func (s *Service) recordDecision(ctx context.Context, actor, action,
	id string, err error) error {
	if errors.Is(err, store.ErrConflict) {
		s.log.WarnContext(ctx, "decision refused: submission changed first",
			"action", action, "submission_id", id)
		return ErrWrongState
	}
	if err != nil {
		return err
	}
	s.record(ctx, actor, action, id, "")
	return nil
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
	if err == nil {
		s.jobs.broadcast()
	}
	return s.recordDecision(ctx, actor, audit.ActionRetryHandoff, sub.ID, err)
}

// RunHandoffs works handoff jobs until ctx ends. Each pass claims due jobs
// until none is left, then waits poll, or less when this process
// schedules a job in the meantime. A job in progress when ctx ends is
// finished first, bounded by HandoffAttemptTimeout. If the process exits
// before that, nothing is lost: the lease stops being renewed with the
// process, runs out, and the job is claimed again; the next worker finds
// any instance the cut-off attempt created by its tag and adopts it.
func (s *Service) RunHandoffs(ctx context.Context, worker string, poll time.Duration) {
	for {
		scheduled := s.jobs.wait()
		for s.HandoffOnce(context.WithoutCancel(ctx), worker) {
			if ctx.Err() != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-scheduled:
		case <-time.After(poll):
		}
	}
}

// HandoffOnce claims and works one due job. It reports whether it found
// one. The lease is held under the worker's name plus a suffix unique to
// this claim, so that two workers given the same name still cannot renew
// or complete each other's jobs.
func (s *Service) HandoffOnce(ctx context.Context, worker string) bool {
	holder := worker + "/" + NewID()[:8]
	job, err := s.db.ClaimHandoff(ctx, holder, s.clock(), s.cfg.HandoffLease)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		s.log.ErrorContext(ctx, "claim handoff failed", "error", err)
		return false
	}
	a := &attempt{job: job, holder: holder}
	a.lease = s.keepLease(ctx, a)
	err = s.handOff(ctx, a)
	a.lease.release()
	switch {
	case errors.Is(err, errLeaseLost):
		s.log.WarnContext(ctx, "handoff lease lost; its new holder finishes the job",
			"submission_id", job.SubmissionID, "worker", holder)
	case errors.Is(err, store.ErrConflict):
		s.log.WarnContext(ctx, "handoff outcome refused: the job or submission changed",
			"submission_id", job.SubmissionID, "worker", holder)
	case err != nil:
		s.log.ErrorContext(ctx, "handoff step failed",
			"submission_id", job.SubmissionID, "error", err)
	}
	return true
}

// attempt is one worker's turn at a claimed job.
type attempt struct {
	job    store.HandoffJob
	holder string // the name the store knows the lease holder by
	lease  *leaseKeeper
}

// handOff works a claimed job. Calls to Cloud Elements use the lease's
// context, which ends if the lease is lost or the attempt runs out of
// time; writes to the store use ctx, and each one first releases the
// lease, so that a worker which lost its job writes nothing.
func (s *Service) handOff(ctx context.Context, a *attempt) error {
	sub, err := s.load(ctx, a.job.SubmissionID)
	if err != nil {
		return err
	}
	if sub.Status != store.StatusHandingOff {
		return s.finish(a, func() error {
			return s.db.FinishHandoff(ctx, sub, sub.Status, a.holder,
				store.JobFailed, "submission is no longer handing off", nil,
				s.clock())
		})
	}
	const unopened = "the sealed credentials could not be opened: "
	sealed, err := s.storedCredentials(ctx, sub)
	if err != nil {
		return s.failHandoff(ctx, a, sub, unopened+err.Error())
	}
	if err := s.audit.Record(ctx, "handoff-worker", audit.ActionDecrypt,
		sub.ID, "purpose=handoff"); err != nil {
		return err
	}
	cr, err := sealed.open(ctx, s.keys)
	if err != nil {
		return s.failHandoff(ctx, a, sub, unopened+err.Error())
	}

	// Looking first is what makes a retry, or a takeover after another
	// worker's lease ran out, adopt the instance an earlier attempt
	// created instead of making a second one.
	tag := SubmissionTag(sub.ID)
	found, err := s.ce.FindInstancesByTag(a.lease.calls, tag)
	if err != nil {
		return s.retryOrFail(ctx, a, sub, err)
	}
	if len(found) > 0 {
		return s.succeed(ctx, a, sub, found[0], true)
	}
	name, err := cloudelements.NameFromTemplate(s.cfg.InstanceNameTemplate,
		sub.Company, sub.ID)
	if err != nil {
		return s.failHandoff(ctx, a, sub, "instance name template: "+err.Error())
	}
	if err := s.confirmLease(ctx, a); err != nil {
		return err
	}
	inst, err := s.ce.CreateInstance(a.lease.calls, cloudelements.InstanceRequest{
		Name: name, Tags: []string{tag, "tbaportal"},
		AccountID: cr.Account.Realm(), Sandbox: cr.Account.IsSandbox(),
		ConsumerKey: cr.ConsumerKey, ConsumerSecret: cr.ConsumerSecret,
		TokenID: cr.TokenID, TokenSecret: cr.TokenSecret,
		Extra: s.cfg.InstanceExtras,
	})
	if err != nil {
		return s.retryOrFail(ctx, a, sub, err)
	}
	return s.succeed(ctx, a, sub, inst, false)
}

// finish stops renewing a's lease and runs write, the attempt's one
// write of its outcome, unless the lease was lost: the job and its
// outcome then belong to the worker that holds it now. The store refuses
// a write by anyone but the holder as well (store.ErrConflict);
// releasing first keeps a renewal from racing the write.
func (s *Service) finish(a *attempt, write func() error) error {
	if err := a.lease.release(); err != nil {
		return err
	}
	return write()
}

func (s *Service) succeed(ctx context.Context, a *attempt,
	sub store.Submission, inst cloudelements.Instance, adopted bool) error {
	now := s.clock()
	fields, err := s.sealInstanceToken(ctx, &sub, inst, now)
	if err != nil {
		return err
	}
	sub.Status = store.StatusConnected
	sub.InstanceID, sub.InstanceName = inst.ID, inst.Name
	sub.ConnectedAt, sub.LastActivityAt = now, now
	sub.PurgeAfter = now.Add(s.cfg.SecretRetention)
	detail := "instance " + inst.ID + " created"
	if adopted {
		detail = "instance " + inst.ID + " already existed with this submission's tag; adopted it"
	}
	err = s.finish(a, func() error {
		return s.db.FinishHandoff(ctx, sub, store.StatusHandingOff, a.holder,
			store.JobDone, "", fields, now,
			event(sub.ID, "handoff-worker", "connected", detail, now))
	})
	if errors.Is(err, errLeaseLost) || errors.Is(err, store.ErrConflict) {
		// Named in the log so that an operator can trace it, should the
		// job's new holder have created an instance of its own.
		s.log.WarnContext(ctx, "instance not recorded: the job was taken",
			"submission_id", sub.ID, "instance_id", inst.ID)
	}
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

// sealInstanceToken seals the instance's token under the submission's
// data key, ready to store with the outcome; none if it has no token.
func (s *Service) sealInstanceToken(ctx context.Context,
	sub *store.Submission, inst cloudelements.Instance,
	now time.Time) ([]store.SecretField, error) {
	if inst.Token.IsZero() {
		return nil, nil
	}
	key, err := s.dataKey(ctx, sub)
	if err != nil {
		return nil, err
	}
	sealed, err := key.Seal(FieldInstanceToken, inst.Token)
	key.Destroy()
	if err != nil {
		return nil, err
	}
	m := secrets.MaskOf(inst.Token)
	return []store.SecretField{{SubmissionID: sub.ID,
		Field: FieldInstanceToken, Sealed: sealed, Last4: m.Last4,
		Fingerprint: m.Fingerprint, UpdatedAt: now}}, nil
}

func (s *Service) retryOrFail(ctx context.Context, a *attempt,
	sub store.Submission, cause error) error {
	if err := a.lease.release(); err != nil {
		return err // the call was cut off because the job was taken
	}
	var ce *cloudelements.Error
	if !errors.As(cause, &ce) {
		ce = &cloudelements.Error{Kind: cloudelements.KindNetwork, Message: cause.Error()}
	}
	if !ce.Retryable() || a.job.Attempts >= s.cfg.HandoffMaxAttempts {
		return s.failHandoff(ctx, a, sub, describeCloudError(ce))
	}
	wait := backoff(a.job.Attempts, s.cfg.HandoffBackoffBase, s.cfg.HandoffBackoffCap)
	if ce.RetryAfter > wait {
		wait = min(ce.RetryAfter, s.cfg.HandoffBackoffCap)
	}
	now := s.clock()
	detail := fmt.Sprintf("attempt %d: %s; next try in %s", a.job.Attempts,
		describeCloudError(ce), wait.Round(time.Second))
	err := s.finish(a, func() error {
		return s.db.RescheduleHandoff(ctx, sub.ID, a.holder, now.Add(wait),
			detail, now, event(sub.ID, "handoff-worker", "handoff_retry", detail, now))
	})
	if err != nil {
		return err
	}
	s.metrics.HandoffOutcome("retry")
	s.log.WarnContext(ctx, "handoff will be retried", "submission_id", sub.ID,
		"attempt", a.job.Attempts, "kind", ce.Kind, "status", ce.Status)
	return nil
}

func (s *Service) failHandoff(ctx context.Context, a *attempt,
	sub store.Submission, reason string) error {
	now := s.clock()
	sub.Status = store.StatusHandoffFailed
	sub.LastActivityAt = now
	err := s.finish(a, func() error {
		return s.db.FinishHandoff(ctx, sub, store.StatusHandingOff, a.holder,
			store.JobFailed, reason, nil, now,
			event(sub.ID, "handoff-worker", "handoff_failed", reason, now))
	})
	if err != nil {
		return err
	}
	s.metrics.HandoffOutcome("failed")
	s.log.ErrorContext(ctx, "handoff failed", "submission_id", sub.ID, "reason", reason)
	s.notify(ctx, sub, "submission.handoff_failed", "handoff failed")
	return nil
}

// Why a lease keeper ended its attempt's calls.
var (
	// errLeaseLost: another worker holds the job now.
	errLeaseLost = errors.New("onboarding: handoff lease lost to another worker")
	// errLeaseUnrenewed: renewing failed until the lease was nearly out,
	// so another worker may claim the job at any moment.
	errLeaseUnrenewed = errors.New("onboarding: handoff lease could not be renewed")
	// errAttemptOverTime: the attempt ran past HandoffAttemptTimeout.
	errAttemptOverTime = errors.New("onboarding: handoff attempt took too long")
)

// leaseKeeper renews a claimed job's lease every quarter of the lease
// while its worker works the job, so that a Cloud Elements call slower
// than the lease cannot let a second worker claim the job and create a
// second instance. Its calls context ends the worker's calls when the
// lease is lost, when renewing keeps failing, or when the attempt runs
// past HandoffAttemptTimeout. Renewing stops then too, which bounds how
// long a stuck worker can hold a job: the attempt timeout plus a lease.
type leaseKeeper struct {
	calls  context.Context
	cancel context.CancelCauseFunc
	stop   chan struct{} // closed by release
	done   chan struct{} // closed when renewing has stopped
	once   sync.Once
}

// keepLease starts renewing a's lease in the background.
func (s *Service) keepLease(ctx context.Context, a *attempt) *leaseKeeper {
	base, cancel := context.WithCancelCause(ctx)
	calls, stopTimer := context.WithTimeoutCause(base,
		s.cfg.HandoffAttemptTimeout, errAttemptOverTime)
	k := &leaseKeeper{calls: calls, stop: make(chan struct{}),
		done: make(chan struct{})}
	k.cancel = func(cause error) { cancel(cause); stopTimer() }
	go s.renewLease(ctx, k, a)
	return k
}

// renewLease is the keeper's loop; it returns when released or when the
// calls context ends. A failed renewal is tried again at the next tick
// while there is time; the worker gives up a quarter of a lease before
// the lease ends, so that its calls stop before another worker may
// claim the job.
func (s *Service) renewLease(ctx context.Context, k *leaseKeeper, a *attempt) {
	defer close(k.done)
	every := max(s.cfg.HandoffLease/4, time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	giveUp := a.job.LockedUntil.Add(-every)
	for {
		select {
		case <-k.stop:
			return
		case <-k.calls.Done():
			return // let the lease run out
		case <-t.C:
		}
		until, err := s.extendLease(ctx, a, giveUp)
		switch {
		case err == nil:
			giveUp = until.Add(-every)
		case errors.Is(err, store.ErrConflict):
			k.cancel(errLeaseLost)
			return
		case s.clock().Add(every).Before(giveUp):
			s.log.WarnContext(ctx, "handoff lease renewal failed; trying again",
				"submission_id", a.job.SubmissionID, "error", err)
		default:
			s.log.ErrorContext(ctx, "handoff lease renewal failed; stopping the attempt",
				"submission_id", a.job.SubmissionID, "error", err)
			k.cancel(errLeaseUnrenewed)
			return
		}
	}
}

// extendLease renews a's lease once and returns its new end. The
// renewal may take until giveUp.
func (s *Service) extendLease(ctx context.Context, a *attempt,
	giveUp time.Time) (time.Time, error) {
	now := s.clock()
	ctx, cancel := context.WithDeadline(ctx, time.Now().Add(giveUp.Sub(now)))
	defer cancel()
	until := now.Add(s.cfg.HandoffLease)
	err := s.db.ExtendHandoffLease(ctx, a.job.SubmissionID, a.holder, until)
	return until, err
}

// confirmLease renews a's lease right before the create, the one call
// that must not be made twice: a worker that lost its job since the
// last renewal stops here, and the create starts with a full lease.
func (s *Service) confirmLease(ctx context.Context, a *attempt) error {
	err := s.db.ExtendHandoffLease(ctx, a.job.SubmissionID, a.holder,
		s.clock().Add(s.cfg.HandoffLease))
	if errors.Is(err, store.ErrConflict) {
		a.lease.cancel(errLeaseLost)
		return errLeaseLost
	}
	return err
}

// release stops renewing, waits until renewing has stopped and ends the
// calls context. It returns errLeaseLost if renewing found the job taken
// by another worker. It may be called more than once.
func (k *leaseKeeper) release() error {
	k.once.Do(func() { close(k.stop) })
	<-k.done
	k.cancel(context.Canceled)
	if errors.Is(context.Cause(k.calls), errLeaseLost) {
		return errLeaseLost
	}
	return nil
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
	if e.Kind == cloudelements.KindBadResponse && e.Err != nil {
		// Say what was wrong with the answer: the portal's own words, not
		// Cloud Elements'.
		return fmt.Sprintf("Cloud Elements error (%s, HTTP %d): %s (%s)",
			e.Kind, e.Status, e.Message, e.Err)
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
