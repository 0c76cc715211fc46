package logfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// Someone has agent.log open without sharing it for deletion (a log
// viewer, PowerShell's Get-Content -Wait): the rename fails, and the log
// goes on in the same file, saying why, instead of failing every write
// until a restart. Once the file is let go, rotation works again.
func TestAHeldLogFileKeepsLogging(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.log")
	f, err := Open(path, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		t.Fatal(err)
	}
	held, err := windows.CreateFile(p, windows.GENERIC_READ, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	line := append(bytes.Repeat([]byte("x"), 39), '\n')
	for i := range 6 {
		if _, err := f.Write(line); err != nil {
			t.Fatalf("write %d while another program holds the file: %v", i, err)
		}
	}
	if _, err := os.Stat(path + ".1"); err == nil {
		t.Skip("this Windows renamed a file another handle holds without FILE_SHARE_DELETE")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(b), string(line)); got != 6 || !strings.Contains(string(b), "is another program holding it open?") {
		t.Fatalf("the held file has %d of 6 lines, and says:\n%s", got, b)
	}
	if err := windows.CloseHandle(held); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if _, err := f.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(path + ".1"); err != nil {
		t.Fatalf("no rotation once the file was let go: %v", err)
	}
}
