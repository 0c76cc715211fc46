package app

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
)

// A retired device reads "Retired" and its date, quietly, however long
// ago it was last heard from.
func TestSeenWordsRetired(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	row := localapi.DeviceRow{LastSeen: now.Add(-90 * 24 * time.Hour), Silent: false, RevokedAt: time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)}
	if got, imp := seenWords(row, now); got != "Retired 14 Sep 2026" || imp != widget.LowImportance {
		t.Errorf("seenWords(retired) = %q, %v; want \"Retired 14 Sep 2026\", low importance", got, imp)
	}
	row.RevokedAt, row.Silent = time.Time{}, true
	if got, imp := seenWords(row, now); imp != widget.DangerImportance || got == "" || got[:6] != "Silent" {
		t.Errorf("seenWords(silent) = %q, %v; want it marked silent", got, imp)
	}
}
