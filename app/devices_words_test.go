package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
)

// A retired device reads "Retired" and its date (short enough for the
// column), quietly, however long ago it was last heard from.
func TestSeenWordsRetired(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	row := localapi.DeviceRow{LastSeen: now.Add(-90 * 24 * time.Hour), Silent: false, RevokedAt: time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)}
	if got, imp := seenWords(row, now); got != "Retired 14 Sep" || imp != widget.LowImportance {
		t.Errorf("seenWords(retired) = %q, %v; want \"Retired 14 Sep\", low importance", got, imp)
	}
	if got, _ := seenWords(row, now.AddDate(1, 0, 0)); got != "Retired Sep 2026" {
		t.Errorf("seenWords(retired last year) = %q; want \"Retired Sep 2026\"", got)
	}
	row.RevokedAt, row.Silent = time.Time{}, true
	if got, imp := seenWords(row, now); imp != widget.DangerImportance || got == "" || got[:6] != "Silent" {
		t.Errorf("seenWords(silent) = %q, %v; want it marked silent", got, imp)
	}
}

// The sign-in box passes on the hub's own words when the hub limited the
// code's tries or the MSP ended the person's access, and keeps its plain
// summary for an unknown code.
func TestSignInProblemWords(t *testing.T) {
	refused := func(status int, hub string) error {
		return &localapi.APIError{Status: http.StatusUnauthorized, Body: localapi.Error{
			Message: fmt.Sprintf("the hub refused the sign-in: the hub answered %d: %s", status, hub)}}
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{refused(429, "this sign-in code was tried 5 times within 5 minutes, so to stop anyone guessing it the hub does not check it for 4 minutes"),
			"This sign-in code was tried 5 times within 5 minutes"},
		{refused(401, "the MSP removed Thandi's access on 3 December 2026; this sign-in no longer works"), "The MSP removed Thandi's access"},
		{refused(401, "the sign-in code is not known, was already used or expired"), "This code was not accepted"},
	} {
		if got := signInProblem(tc.err); !strings.HasPrefix(got, tc.want) {
			t.Errorf("signInProblem(%v) = %q; want it to start %q", tc.err, got, tc.want)
		}
	}
}
