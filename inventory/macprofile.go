package inventory

// system_profiler in two forms: -xml (an Apple property list, on every macOS
// from 10.4 on; -json exists only from 10.15) and the text it prints by
// default, which is what GLPI's captures of older Macs hold. Both decode to
// spData: the items of each data type, keyed as the XML
// form keys them ("machine_name", "lastModified"), so one mapping reads them
// all. The text form's labels ("Model Name", "Last Modified") are turned into
// those keys by spTextKeys; a label it does not know is kept as written.

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"howett.net/plist"
)

// spItem is one item of a data type: "_name" and its properties. A value is
// a string, a number (int64, uint64 or float64), a bool, a time.Time, a
// []any or a nested spItem (map[string]any).
type spItem = map[string]any

// spData holds the items of each data type ("SPHardwareDataType").
type spData map[string][]spItem

// parseSystemProfiler reads system_profiler output in any of its forms.
func parseSystemProfiler(b []byte) (spData, error) {
	t := bytes.TrimSpace(b)
	switch {
	case len(t) == 0:
		return nil, fmt.Errorf("system_profiler printed nothing")
	case t[0] == '<':
		return parseSPXML(t)
	case t[0] == '{':
		return nil, fmt.Errorf("system_profiler printed JSON, which this reads only as -xml or text")
	}
	return parseSPText(b), nil
}

// parseSPXML reads `system_profiler -xml`: an array of one dict per data
// type, with _dataType and _items.
func parseSPXML(b []byte) (spData, error) {
	var top []struct {
		DataType string   `plist:"_dataType"`
		Items    []spItem `plist:"_items"`
	}
	if _, err := plist.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("reading system_profiler's XML: %w", err)
	}
	out := spData{}
	for _, d := range top {
		out[d.DataType] = append(out[d.DataType], d.Items...)
	}
	return out, nil
}

// spTextTypes names the data type of each top-level section of the text form.
var spTextTypes = map[string]string{
	"Hardware":     "SPHardwareDataType",
	"Software":     "SPSoftwareDataType",
	"Applications": "SPApplicationsDataType",
	"Storage":      "SPStorageDataType",
	"Memory":       "SPMemoryDataType",
}

// spTextKeys turns the text form's labels (lower case) into the keys of the
// XML form, across the macOS versions the captures show (10.4 "Machine
// Name", 10.5 on "Model Name"; 11 on "Chip" and "System Firmware Version").
var spTextKeys = map[string]string{
	// SPHardwareDataType
	"machine name":            "machine_name",
	"model name":              "machine_name",
	"machine model":           "machine_model",
	"model identifier":        "machine_model",
	"model number":            "model_number",
	"cpu type":                "cpu_type",
	"processor name":          "cpu_type",
	"chip":                    "chip_type",
	"cpu speed":               "current_processor_speed",
	"processor speed":         "current_processor_speed",
	"number of cpus":          "packages",
	"number of processors":    "packages",
	"total number of cores":   "number_processors",
	"memory":                  "physical_memory",
	"boot rom version":        "boot_rom_version",
	"system firmware version": "boot_rom_version",
	"serial number":           "serial_number",
	"serial number (system)":  "serial_number",
	"hardware uuid":           "platform_UUID",
	// SPSoftwareDataType
	"system version": "os_version",
	"kernel version": "kernel_version",
	"boot volume":    "boot_volume",
	"boot mode":      "boot_mode",
	"computer name":  "local_host_name",
	"user name":      "user_name",
	// SPApplicationsDataType
	"version":         "version",
	"last modified":   "lastModified",
	"location":        "path",
	"get info string": "info",
	"kind":            "runtime_environment",
	"obtained from":   "obtained_from",
	// SPStorageDataType
	"mount point":    "mount_point",
	"file system":    "file_system",
	"capacity":       "size_in_bytes",
	"free":           "free_space_in_bytes",
	"bsd name":       "bsd_name",
	"physical drive": "physical_drive",
	"device name":    "device_name",
	"medium type":    "medium_type",
	"protocol":       "protocol",
}

// spLine is one non-blank line of the text form.
type spLine struct {
	indent int
	text   string
}

// parseSPText reads the text form. Structure comes from indentation: a line
// ending in ':' whose next line sits deeper is a section; "Key: Value" lines
// are the properties of the section they sit in. A top-level section is a
// data type, its sub-sections its items, and theirs nested dictionaries.
// Sections the form has no data type name for keep their title.
func parseSPText(b []byte) spData {
	var lines []spLine
	for l := range strings.Lines(string(b)) {
		l = strings.TrimRight(l, "\r\n")
		t := strings.TrimLeft(l, " \t")
		if strings.TrimSpace(t) == "" {
			continue
		}
		lines = append(lines, spLine{indent: len(l) - len(t), text: strings.TrimRight(t, " \t")})
	}
	out := spData{}
	// stack holds the open sections; stack[0] is the data type's pseudo-item.
	type open struct {
		indent int
		item   spItem
	}
	var stack []open
	dataType := ""
	var last spItem // the item and key of the last property, for continuations
	lastKey := ""
	var more []string // its further lines
	flush := func() {
		if len(more) > 0 {
			if v, ok := last[lastKey].(string); ok {
				last[lastKey] = v + "\n" + strings.Join(more, "\n")
			}
			more = more[:0]
		}
	}
	for i, l := range lines {
		header := strings.HasSuffix(l.text, ":") && i+1 < len(lines) && lines[i+1].indent > l.indent
		_, _, kv := strings.Cut(l.text, ": ")
		kv = kv || strings.HasSuffix(l.text, ":")
		// A value can run over several lines ("Get Info String" of some
		// applications), its further lines at any indentation, even column
		// 0: a line that is neither a section nor "Key: Value", or that
		// sits no deeper than the section it would belong to, goes on the
		// property before it.
		if !header && last != nil && (!kv || (len(stack) > 0 && l.indent <= stack[len(stack)-1].indent)) {
			more = append(more, l.text)
			continue
		}
		flush()
		for len(stack) > 0 && stack[len(stack)-1].indent >= l.indent {
			stack = stack[:len(stack)-1]
		}
		if header {
			last = nil
			title := strings.TrimSuffix(l.text, ":")
			switch len(stack) {
			case 0: // a data type
				dataType = title
				if n, ok := spTextTypes[title]; ok {
					dataType = n
				}
				stack = append(stack, open{l.indent, spItem{}})
			case 1: // an item of it
				it := spItem{"_name": title}
				out[dataType] = append(out[dataType], it)
				stack = append(stack, open{l.indent, it})
			default: // a nested dictionary
				it := spItem{}
				stack[len(stack)-1].item[spTextKey(title)] = it
				stack = append(stack, open{l.indent, it})
			}
			continue
		}
		if len(stack) == 0 {
			continue // a line outside any section ("Available Datatypes:" lists)
		}
		k, v, ok := strings.Cut(l.text, ": ")
		if !ok {
			k, ok = strings.CutSuffix(l.text, ":")
			if !ok {
				continue
			}
		}
		last, lastKey = stack[len(stack)-1].item, spTextKey(k)
		last[lastKey] = strings.TrimSpace(v)
	}
	flush()
	return out
}

// spTextKey returns the XML key of a text label, or the label.
func spTextKey(label string) string {
	if k, ok := spTextKeys[strings.ToLower(strings.TrimSpace(label))]; ok {
		return k
	}
	return strings.TrimSpace(label)
}

// spString returns a property as text: a string as it is, a number in
// decimal, "" for what is missing or not a scalar.
func spString(it spItem, key string) string {
	switch v := it[key].(type) {
	case string:
		return strings.TrimSpace(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// spInt returns a whole-number property, or its leading number when it is
// text ("8 (4 performance and 4 efficiency)", "proc 10:6:4" gives 10).
func spInt(it spItem, key string) int {
	switch v := it[key].(type) {
	case int64:
		return int(v)
	case uint64:
		if v > math.MaxInt32 {
			return 0
		}
		return int(v)
	case float64:
		if v < 0 || v > math.MaxInt32 {
			return 0
		}
		return int(v)
	}
	s := strings.TrimPrefix(spString(it, key), "proc ")
	end := 0
	for end < len(s) && end < 9 && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}

// spTime returns a date property: a plist date, or ISO 8601 text. The text form's dates follow the locale; see
// spLocalDates.
func spTime(it spItem, key string) (time.Time, bool) {
	switch v := it[key].(type) {
	case time.Time:
		return v.UTC(), true
	case string:
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(v)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// macDrive is one physical drive system_profiler lists.
type macDrive struct {
	Name      string // "WDC WD2500AAJS-40VWA1", "SDHC Card"
	Model     string
	Serial    string
	BSDName   string // "disk0"; empty for an optical drive without a disc
	Bus       string // "SATA", "NVMe", "USB", "FireWire", "card reader", "optical", or the protocol SPStorageDataType names
	Medium    string // "Solid State", "Rotational", "SSD", when told
	SizeBytes uint64
}

// spDriveBuses names the bus of each data type that lists drives.
var spDriveBuses = map[string]string{
	"SPSerialATADataType": "SATA", "SPNVMeDataType": "NVMe", "SPUSBDataType": "USB", "SPFireWireDataType": "FireWire",
	"SPCardReaderDataType": "card reader", "SPDiscBurningDataType": "optical", "SPParallelATADataType": "ATA",
}

// macDrives lists the physical drives in the data types that hold them:
// an item with a whole-disk BSD name ("disk2", not the volume "disk2s1"),
// a device model, or (SPDiscBurningDataType) a burner. The volumes of a
// drive are not drives. SPStorageDataType, which lists volumes, names the
// physical drive of each; a drive listed twice (by a bus and by the
// storage list, or a USB hub and its device) is listed once, the most
// specific entry first found kept.
func macDrives(d spData) []macDrive {
	var out []macDrive
	seen := map[string]bool{}
	add := func(m macDrive) {
		k := m.BSDName
		if k == "" {
			k = m.Bus + "/" + m.Name + "/" + m.Serial
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, m)
		}
	}
	// walk adds the drives under it and then it, unless one under it was
	// a drive: a USB hub's or a FireWire device's entry can carry the BSD
	// name or model of the drive it holds. It says whether it found one.
	var walk func(bus string, it spItem, depth int) bool
	walk = func(bus string, it spItem, depth int) bool {
		if depth > 16 {
			return false
		}
		found := false
		for _, k := range []string{"_items", "units", "Media"} {
			if l, ok := it[k].([]any); ok {
				for _, c := range l {
					if ci, ok := c.(spItem); ok {
						found = walk(bus, ci, depth+1) || found
					}
				}
			}
		}
		if found {
			return true
		}
		bsd := spString(it, "bsd_name")
		whole := wholeDisk.MatchString(bsd)
		_, burner := it["burn_support"]
		model := strings.TrimSpace(spString(it, "device_model"))
		if !whole && model == "" && !(burner && bus == "optical") {
			return false
		}
		if !whole {
			bsd = ""
		}
		add(macDrive{
			Name: spString(it, "_name"), Model: model, BSDName: bsd, Bus: bus,
			Serial:    firstOf(it, "device_serial", "serial_num", "spcardreader_card_serialnumber", "spnvme_serial"),
			Medium:    firstOf(it, "spsata_medium_type", "medium_type"),
			SizeBytes: spBytes(it, "size_in_bytes"),
		})
		return true
	}
	for _, dt := range slices.Sorted(maps.Keys(spDriveBuses)) {
		for _, it := range d[dt] {
			walk(spDriveBuses[dt], it, 0)
		}
	}
	for _, v := range d["SPStorageDataType"] {
		pd, ok := v["physical_drive"].(spItem)
		if !ok {
			continue
		}
		name := spString(pd, "device_name")
		if name == "" || spString(pd, "protocol") == "Disk Image" {
			continue // a mounted disk image is no drive
		}
		if slices.ContainsFunc(out, func(m macDrive) bool { return m.Model == name || m.Name == name }) {
			continue // its bus (SPNVMeDataType) listed it already, with more
		}
		add(macDrive{Name: name, Model: name, Bus: spString(pd, "protocol"), Medium: spString(pd, "medium_type"),
			BSDName: wholeDisk.FindString(spString(pd, "bsd_name"))})
	}
	slices.SortFunc(out, func(a, b macDrive) int {
		return strings.Compare(a.BSDName+"\x00"+a.Name, b.BSDName+"\x00"+b.Name)
	})
	return out
}

// wholeDisk matches the BSD name of a whole disk.
var wholeDisk = regexp.MustCompile(`^disk\d+$`)

// firstOf returns the first of keys that has a value, trimmed.
func firstOf(it spItem, keys ...string) string {
	for _, k := range keys {
		if v := spString(it, k); v != "" {
			return v
		}
	}
	return ""
}

// spBytes returns a size in bytes: a number, or the text form's "494,38
// GB (494 384 795 648 bytes)".
func spBytes(it spItem, key string) uint64 {
	switch v := it[key].(type) {
	case uint64:
		return v
	case int64:
		if v > 0 {
			return uint64(v)
		}
	case string:
		if m := textBytes.FindStringSubmatch(v); m != nil {
			n, _ := strconv.ParseUint(strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, m[1]), 10, 64)
			return n
		}
	}
	return 0
}

// textBytes finds the byte count in "494,38 GB (494 384 795 648 bytes)".
var textBytes = regexp.MustCompile(`\(([\d ,.\x{a0}\x{202f}]+) bytes\)`)
