package netsuite

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDiagnoseSteps(t *testing.T) {
	tests := []struct {
		name       string
		result     Result
		wantSteps  []Step
		wantRetry  bool
		wantDetail bool // AuditTrailDetails present
	}{
		{name: "verified", result: Result{Outcome: OutcomeVerified}},
		{name: "incomplete", result: Result{Outcome: OutcomeIncomplete},
			wantSteps: []Step{StepVerify}},
		{name: "invalid login", result: Result{Outcome: OutcomeInvalidLogin,
			Code: "INVALID_LOGIN_ATTEMPT"},
			wantSteps: []Step{StepVerify, StepAccessToken, StepIntegration,
				StepAccountID},
			wantDetail: true},
		{name: "sandbox mismatch", result: Result{Outcome: OutcomeSandboxMismatch,
			MatchedAccount: "1234567_SB1"},
			wantSteps: []Step{StepAccountID, StepAccessToken}},
		{name: "clock skew", result: Result{Outcome: OutcomeClockSkew,
			Skew: 9 * time.Minute}, wantSteps: []Step{StepVerify}, wantRetry: true},
		{name: "permission", result: Result{Outcome: OutcomeInsufficientPermission},
			wantSteps: []Step{StepRole, StepAssignRole, StepAccessToken}},
		{name: "feature disabled", result: Result{Outcome: OutcomeFeatureDisabled},
			wantSteps: []Step{StepEnableTBA}, wantDetail: true},
		{name: "account not found", result: Result{Outcome: OutcomeAccountNotFound},
			wantSteps: []Step{StepAccountID}},
		{name: "concurrency", result: Result{Outcome: OutcomeConcurrencyLimit},
			wantSteps: []Step{StepVerify}, wantRetry: true},
		{name: "busy", result: Result{Outcome: OutcomeBusy},
			wantSteps: []Step{StepVerify}, wantRetry: true},
		{name: "timeout", result: Result{Outcome: OutcomeTimeout},
			wantSteps: []Step{StepVerify}, wantRetry: true},
		{name: "network", result: Result{Outcome: OutcomeNetworkError},
			wantSteps: []Step{StepVerify}, wantRetry: true},
		{name: "unexpected", result: Result{Outcome: OutcomeUnexpectedResponse},
			wantSteps: []Step{StepVerify}, wantRetry: true},
		{name: "unknown fault", result: Result{Outcome: OutcomeUnknownFault,
			Code: "X"}, wantSteps: []Step{StepVerify}},
		{name: "unknown stored value", result: Result{Outcome: "from_the_future"},
			wantSteps: []Step{StepVerify}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Diagnose(tt.result)
			if diff := cmp.Diff(tt.wantSteps, d.Steps); diff != "" {
				t.Errorf("Steps mismatch (-want +got):\n%s", diff)
			}
			if d.RetryLater != tt.wantRetry {
				t.Errorf("RetryLater = %v, want %v", d.RetryLater, tt.wantRetry)
			}
			if (len(d.AuditTrailDetails) > 0) != tt.wantDetail {
				t.Errorf("AuditTrailDetails = %v", d.AuditTrailDetails)
			}
			if d.Title == "" || d.Summary == "" {
				t.Errorf("empty Title or Summary: %+v", d)
			}
		})
	}
}

// TestDiagnoseCoversEveryOutcome: every outcome has its own title, and
// every failure names at least one step to revisit, so the page always
// has a link to follow.
func TestDiagnoseCoversEveryOutcome(t *testing.T) {
	titles := map[string]Outcome{}
	for _, o := range Outcomes() {
		d := Diagnose(Result{Outcome: o})
		if prev, dup := titles[d.Title]; dup {
			t.Errorf("%q and %q share the title %q", prev, o, d.Title)
		}
		titles[d.Title] = o
		if o != OutcomeVerified && len(d.Steps) == 0 {
			t.Errorf("%q names no step to revisit", o)
		}
		for _, s := range d.Steps {
			if !slices.Contains(Steps(), s) {
				t.Errorf("%q names unknown step %q", o, s)
			}
		}
	}
}

func TestDiagnoseInvalidLogin(t *testing.T) {
	d := Diagnose(Result{Outcome: OutcomeInvalidLogin})

	wantStarts := []string{"A key or secret was mistyped", "The token belongs to another",
		"The token was revoked", "The integration record is disabled"}
	if len(d.Causes) != len(wantStarts) {
		t.Fatalf("Causes = %q", d.Causes)
	}
	for i, w := range wantStarts {
		if !strings.HasPrefix(d.Causes[i], w) {
			t.Errorf("cause %d = %q, want it to start %q", i, d.Causes[i], w)
		}
	}
	if !strings.Contains(d.Summary, "Setup > Users/Roles > User Management > "+
		"View Login Audit Trail") {
		t.Errorf("Summary does not point to the Login Audit Trail: %q", d.Summary)
	}
	for _, v := range []string{"InvalidSignature", "consumer_key_unknown",
		"consumer_key_refused", "FeatureDisabled", "NonceUsed", "InvalidTimestamp"} {
		if !slices.Contains(d.AuditTrailDetails, v) {
			t.Errorf("AuditTrailDetails lacks %q", v)
		}
	}
}

func TestDiagnoseTexts(t *testing.T) {
	tests := []struct {
		name   string
		result Result
		field  func(Diagnosis) string
		want   string
	}{
		{
			name:   "unknown fault quotes NetSuite raw",
			result: Result{Outcome: OutcomeUnknownFault, Code: "ODD_CODE", Message: "<b>odd</b>"},
			field:  func(d Diagnosis) string { return d.Summary },
			want:   "NetSuite answered with ODD_CODE: <b>odd</b>",
		},
		{
			name:   "mismatch names the account the tokens belong to",
			result: Result{Outcome: OutcomeSandboxMismatch, MatchedAccount: "1234567_SB1"},
			field:  func(d Diagnosis) string { return d.Summary },
			want:   "work with Account ID 1234567_SB1",
		},
		{
			name:   "clock skew size",
			result: Result{Outcome: OutcomeClockSkew, Skew: -(9*time.Minute + 40*time.Second)},
			field:  func(d Diagnosis) string { return d.Summary },
			want:   "by about 10 minutes",
		},
		{
			name: "REST note",
			result: Result{Outcome: OutcomeVerified, RESTChecked: true,
				RESTEnabled: false},
			field: func(d Diagnosis) string { return strings.Join(d.Info, "|") },
			want:  "REST web services are not enabled for this role",
		},
		{
			name:   "skew note when verified",
			result: Result{Outcome: OutcomeVerified, Skew: 3 * time.Minute},
			field:  func(d Diagnosis) string { return strings.Join(d.Info, "|") },
			want:   "by about 3 minutes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.field(Diagnose(tt.result)); !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestDiagnoseInfoOnlyWhenDue(t *testing.T) {
	tests := []struct {
		name   string
		result Result
	}{
		{name: "REST enabled", result: Result{Outcome: OutcomeVerified,
			RESTChecked: true, RESTEnabled: true}},
		{name: "REST not checked", result: Result{Outcome: OutcomeVerified}},
		{name: "small skew", result: Result{Outcome: OutcomeVerified,
			Skew: 90 * time.Second}},
		{name: "skew already the outcome", result: Result{Outcome: OutcomeClockSkew,
			Skew: 8 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if info := Diagnose(tt.result).Info; len(info) != 0 {
				t.Errorf("Info = %q, want none", info)
			}
		})
	}
}
