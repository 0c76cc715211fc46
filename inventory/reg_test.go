package inventory

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// regValue is one value of a regedit export.
type regValue struct {
	Kind  string // "sz", "dword", "hex", "hex(2)", "hex(7)", "hex(b)", ...
	Str   string // REG_SZ and REG_EXPAND_SZ text
	Int   uint64 // REG_DWORD and REG_QWORD
	Bytes []byte // the raw bytes of a hex value
}

// loadReg reads a regedit export as recorded on real machines
// (testdata/captures/windows/registry: UTF-16LE with a byte-order mark,
// CRLF, `[key]` lines, `"name"=value` lines, `@` for the default value,
// hex values continued with a trailing backslash, and REG_SZ text that
// may hold raw line breaks) into its keys' values by key path.
func loadReg(t *testing.T, path string) map[string]map[string]regValue {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.TrimPrefix(b, []byte{0xff, 0xfe})
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	text := strings.ReplaceAll(string(utf16.Decode(u)), "\r\n", "\n")
	keys := map[string]map[string]regValue{}
	var cur map[string]regValue
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			name := line[1 : len(line)-1]
			cur = map[string]regValue{}
			keys[name] = cur
			continue
		case cur == nil || strings.TrimSpace(line) == "" || strings.HasPrefix(line, ";"):
			continue
		}
		// The value's name: @ or a quoted string.
		var name, rest string
		if strings.HasPrefix(line, "@=") {
			name, rest = "", line[2:]
		} else {
			n, end, ok := regQuoted(line)
			if !ok || !strings.HasPrefix(line[end:], "=") {
				t.Fatalf("%s:%d: %q is not a value line", path, i+1, line)
			}
			name, rest = n, line[end+1:]
		}
		switch {
		case strings.HasPrefix(rest, `"`):
			// Text: join physical lines until the closing quote.
			for {
				if s, end, ok := regQuoted(rest); ok && end == len(rest) {
					cur[name] = regValue{Kind: "sz", Str: s}
					break
				}
				i++
				if i >= len(lines) {
					t.Fatalf("%s: unterminated text for %q", path, name)
				}
				rest += "\n" + lines[i]
			}
		case strings.HasPrefix(rest, "dword:"):
			n, err := strconv.ParseUint(rest[len("dword:"):], 16, 32)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, i+1, err)
			}
			cur[name] = regValue{Kind: "dword", Int: n}
		case strings.HasPrefix(rest, "hex"):
			kind, data, _ := strings.Cut(rest, ":")
			for strings.HasSuffix(data, `\`) && i+1 < len(lines) {
				i++
				data = strings.TrimSuffix(data, `\`) + strings.TrimSpace(lines[i])
			}
			raw, err := hex.DecodeString(strings.ReplaceAll(data, ",", ""))
			if err != nil {
				t.Fatalf("%s:%d: %v", path, i+1, err)
			}
			v := regValue{Kind: kind, Bytes: raw}
			switch kind {
			case "hex(2)": // REG_EXPAND_SZ: UTF-16LE with its NUL
				v.Str = utf16LE(raw)
			case "hex(b)":
				if len(raw) == 8 {
					v.Int = binary.LittleEndian.Uint64(raw)
				}
			}
			cur[name] = v
		default:
			t.Fatalf("%s:%d: unknown value %q", path, i+1, rest)
		}
	}
	return keys
}

// regQuoted reads the quoted string at the start of s, with regedit's
// escapes (\\ and \"), and returns it and the index after its closing quote.
func regQuoted(s string) (string, int, bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", 0, false
	}
	var sb strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				sb.WriteByte(s[i])
			}
		case '"':
			return sb.String(), i + 1, true
		default:
			sb.WriteByte(s[i])
		}
	}
	return "", 0, false
}

func utf16LE(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return strings.TrimRight(string(utf16.Decode(u)), "\x00")
}

// uninstallEntries is the Uninstall subkeys of an export as the registry
// collector reads them.
func uninstallEntries(keys map[string]map[string]regValue) map[string]winUninstall {
	const prefix = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\`
	out := map[string]winUninstall{}
	for k, vs := range keys {
		sub, ok := strings.CutPrefix(k, prefix)
		if !ok || strings.Contains(sub, `\`) {
			continue
		}
		out[sub] = winUninstall{DisplayName: vs["DisplayName"].Str, DisplayVersion: psString(vs["DisplayVersion"].Str),
			Publisher: vs["Publisher"].Str, InstallDate: vs["InstallDate"].Str, SystemComponent: vs["SystemComponent"].Int,
			ParentKeyName: vs["ParentKeyName"].Str, ReleaseType: vs["ReleaseType"].Str}
	}
	return out
}

func regCapture(name string) string {
	return filepath.Join("testdata", "captures", "windows", "registry", name)
}

// The loader reads the real exports whole: every key, and the values that
// run over several physical lines (xp-Uninstall.reg's Comments).
func TestLoadRegCaptures(t *testing.T) {
	for file, want := range map[string][2]int{
		"xp-Uninstall.reg":           {536, 418}, // 419 DisplayName lines, one of them ""
		"10_russian-Uninstall.reg":   {3, 2},
		"mssql_engine-Uninstall.reg": {3, 2},
	} {
		keys := loadReg(t, regCapture(file))
		named := 0
		for _, vs := range keys {
			if vs["DisplayName"].Str != "" {
				named++
			}
		}
		if len(keys) != want[0] || named != want[1] {
			t.Errorf("%s: %d keys, %d with a DisplayName; want %d and %d (counted in the file)", file, len(keys), named, want[0], want[1])
		}
	}
	ru := uninstallEntries(loadReg(t, regCapture("10_russian-Uninstall.reg")))
	if e := ru["{50F91F80-D397-437C-B0C8-62128DE3B55E}"]; e.DisplayVersion != "5.0.12000" {
		t.Errorf("КриптоПро CSP entry = %+v", e)
	}
}
