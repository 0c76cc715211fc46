package localapi

import (
	"strings"
	"testing"
)

func TestPipeName(t *testing.T) {
	t.Parallel()
	def := pipeName(`C:\ProgramData\Tandem\agent`, `C:\ProgramData`)
	if def != PipeBase {
		t.Fatalf("default data directory: %q, want %q", def, PipeBase)
	}
	if got := pipeName(`c:\programdata\tandem\agent\`, `C:\ProgramData`); got != PipeBase {
		t.Fatalf("the default directory in other case with a trailing slash: %q", got)
	}
	dev := pipeName(`C:\Users\dev\tandem-data`, `C:\ProgramData`)
	other := pipeName(`C:\Users\dev\tandem-data2`, `C:\ProgramData`)
	if !strings.HasPrefix(dev, PipeBase+"-") || len(dev) != len(PipeBase)+13 || dev == other {
		t.Fatalf("development directories: %q and %q", dev, other)
	}
	if again := pipeName(`C:\Users\DEV\tandem-data`, `C:\ProgramData`); again != dev {
		t.Fatalf("the same directory in other case: %q, want %q", again, dev)
	}
}

func TestWindowsUserName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ domain, account, want string }{
		{"PC-0042", "thandi", "thandi"},
		{"pc-0042", "Thandi Mokoena", "Thandi_Mokoena"},
		{"ACME", "thandi", `ACME\thandi`},
		{"NT AUTHORITY", "SYSTEM", "SYSTEM"},
		{"AzureAD", "ThandiMokoena", `AzureAD\ThandiMokoena`},
	} {
		if got := windowsUserName(c.domain, c.account, "PC-0042"); got != c.want {
			t.Errorf("windowsUserName(%q, %q) = %q, want %q", c.domain, c.account, got, c.want)
		}
	}
}
