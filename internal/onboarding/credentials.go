package onboarding

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"tbaportal/internal/netsuite"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
)

var hex64 = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// ParseCredential trims what a paste may bring along (spaces, quotes,
// line breaks) and checks that a TBA value is 64 hexadecimal characters.
func ParseCredential(field, label, v string) (secrets.Secret, error) {
	v = strings.Trim(v, " \t\r\n\"'`\u00a0\u2018\u2019\u201c\u201d")
	switch {
	case v == "":
		return secrets.Secret{}, &InputError{field, "Enter the " + label + "."}
	case !hex64.MatchString(v):
		return secrets.Secret{}, &InputError{field, fmt.Sprintf(
			"The %s is 64 characters, each 0–9 or a–f. What you entered has %d characters or other symbols; copy it again from NetSuite.",
			label, len([]rune(v)))}
	}
	return secrets.New(strings.ToLower(v)), nil
}

// ReachStep records that the customer reached a step, so opening the link
// again resumes there.
func (s *Service) ReachStep(ctx context.Context, sub store.Submission, slug string) error {
	i := StepIndex(slug)
	if i < 0 || i <= StepIndex(sub.Step) {
		return nil
	}
	return s.db.AdvanceStep(ctx, sub.ID, slug, s.clock())
}

// AccountKnown asks NetSuite's public data-center lookup, without any
// secret, whether an account exists. It reports true when the lookup could
// not be made, so that an outage never blocks a customer.
func (s *Service) AccountKnown(ctx context.Context, a netsuite.AccountID) (bool, error) {
	dc, err := s.netsuite.LookupDataCenter(ctx, a)
	if err != nil || !dc.Reached {
		s.log.WarnContext(ctx, "data center lookup unavailable", "error", err)
		return true, nil
	}
	return dc.Found, nil
}

// SaveAccountID stores the Account ID, in its realm form.
func (s *Service) SaveAccountID(ctx context.Context, sub store.Submission, a netsuite.AccountID) error {
	if !editable(sub.Status) {
		return ErrLocked
	}
	expect := sub.Status
	changed := sub.AccountID != a.Realm()
	sub.AccountID = a.Realm()
	sub.LastActivityAt = s.clock()
	if changed || sub.Status == store.StatusInvited {
		sub.Status = store.StatusInProgress
	}
	if StepIndex(sub.Step) < StepIndex("account-id") {
		sub.Step = "account-id"
	}
	var events []store.Event
	if changed {
		events = append(events, event(sub.ID, "customer", "account_id_saved",
			"Account ID "+a.Realm(), sub.LastActivityAt))
	}
	return s.db.UpdateSubmission(ctx, sub, expect, events...)
}

// SaveCredentials seals and stores some of the four TBA values. Any change
// makes an earlier verification void.
func (s *Service) SaveCredentials(ctx context.Context, sub store.Submission, step string, values map[string]secrets.Secret) error {
	for range 3 {
		err := s.saveCredentials(ctx, sub, step, values)
		if !errors.Is(err, errKeyRace) {
			return err
		}
		// Another request created the data key first: use that one.
		if sub, err = s.load(ctx, sub.ID); err != nil {
			return err
		}
	}
	return errKeyRace
}

var errKeyRace = errors.New("onboarding: data key created concurrently")

func (s *Service) saveCredentials(ctx context.Context, sub store.Submission, step string, values map[string]secrets.Secret) error {
	if !editable(sub.Status) {
		return ErrLocked
	}
	now := s.clock()
	newKey := sub.WrappedKey == nil
	key, err := s.dataKey(ctx, &sub)
	if err != nil {
		return err
	}
	defer key.Destroy()

	var fields []store.SecretField
	var names []string
	for _, name := range CredentialFields {
		v, ok := values[name]
		if !ok || v.IsZero() {
			continue
		}
		sealed, err := key.Seal(name, v)
		if err != nil {
			return err
		}
		m := secrets.MaskOf(v)
		fields = append(fields, store.SecretField{
			SubmissionID: sub.ID, Field: name, Sealed: sealed,
			Last4: m.Last4, Fingerprint: m.Fingerprint, UpdatedAt: now,
		})
		names = append(names, name)
	}
	expect := sub.Status
	sub.Status = store.StatusInProgress
	sub.LastActivityAt = now
	if StepIndex(sub.Step) < StepIndex(step) {
		sub.Step = step
	}
	ev := event(sub.ID, "customer", "credentials_saved",
		strings.Join(names, ", ")+" saved (sealed)", now)
	err = s.db.SaveSecretFields(ctx, sub, expect, newKey, fields, ev)
	if errors.Is(err, store.ErrConflict) && newKey {
		return errKeyRace
	}
	if errors.Is(err, store.ErrConflict) {
		return ErrWrongState
	}
	return err
}

// dataKey opens the submission's data key, creating it on first use.
func (s *Service) dataKey(ctx context.Context, sub *store.Submission) (*secrets.DataKey, error) {
	if sub.WrappedKey != nil {
		return s.keys.OpenDataKey(ctx, sub.ID, secrets.WrappedKey{
			Version: sub.KeyVersion, Ciphertext: sub.WrappedKey,
		})
	}
	if !sub.PurgedAt.IsZero() {
		return nil, ErrSecretsPurged
	}
	key, wrapped, err := s.keys.NewDataKey(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	sub.WrappedKey = wrapped.Ciphertext
	sub.KeyVersion = wrapped.Version
	return key, nil
}

// Masks returns how each saved secret may be shown: last four characters
// and a short fingerprint. Nothing is decrypted.
func (s *Service) Masks(ctx context.Context, id string) (map[string]secrets.Mask, error) {
	fields, err := s.db.SecretFields(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make(map[string]secrets.Mask, len(fields))
	for _, f := range fields {
		out[f.Field] = secrets.Mask{Last4: f.Last4, Fingerprint: f.Fingerprint}
	}
	return out, nil
}

// sealedCredentials are a submission's four values as stored, checked to
// be all there, and not yet decrypted.
type sealedCredentials struct {
	sub     store.Submission
	account netsuite.AccountID
	fields  map[string][]byte // field name to ciphertext
}

// storedCredentials reads a submission's sealed values and checks, without
// decrypting anything, that the Account ID and all four values are there:
// ErrSecretsPurged or ErrIncomplete say which is not.
func (s *Service) storedCredentials(ctx context.Context, sub store.Submission) (sealedCredentials, error) {
	sc := sealedCredentials{sub: sub}
	if sub.WrappedKey == nil {
		if !sub.PurgedAt.IsZero() {
			return sc, ErrSecretsPurged
		}
		return sc, ErrIncomplete
	}
	account, err := netsuite.ParseAccountID(sub.AccountID)
	if err != nil {
		return sc, ErrIncomplete
	}
	sc.account = account
	stored, err := s.db.SecretFields(ctx, sub.ID)
	if err != nil {
		return sc, err
	}
	sc.fields = make(map[string][]byte, len(CredentialFields))
	for _, f := range stored {
		if slices.Contains(CredentialFields, f.Field) {
			sc.fields[f.Field] = f.Sealed
		}
	}
	if len(sc.fields) < len(CredentialFields) {
		return sc, ErrIncomplete
	}
	return sc, nil
}

// open decrypts the four values into memory for one use. The caller must
// have recorded why in the audit log.
func (sc sealedCredentials) open(ctx context.Context, keys *secrets.Keyring) (netsuite.Credentials, error) {
	cr := netsuite.Credentials{Account: sc.account}
	key, err := keys.OpenDataKey(ctx, sc.sub.ID, secrets.WrappedKey{
		Version: sc.sub.KeyVersion, Ciphertext: sc.sub.WrappedKey,
	})
	if err != nil {
		return cr, fmt.Errorf("onboarding: open data key: %w", err)
	}
	defer key.Destroy()
	targets := map[string]*secrets.Secret{
		FieldConsumerKey: &cr.ConsumerKey, FieldConsumerSecret: &cr.ConsumerSecret,
		FieldTokenID: &cr.TokenID, FieldTokenSecret: &cr.TokenSecret,
	}
	for field, dst := range targets {
		if *dst, err = key.Open(field, sc.fields[field]); err != nil {
			return cr, fmt.Errorf("onboarding: open %s: %w", field, err)
		}
		if dst.IsZero() {
			return cr, ErrIncomplete
		}
	}
	return cr, nil
}
