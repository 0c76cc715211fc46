package inventory

// The reader of `dmidecode` text output and of the SMBIOS strings the
// Linux kernel shows in /sys/class/dmi/id. Pure functions, no build tag:
// dmidecode runs on Linux, the BSDs, Windows and macOS, and the tests read
// captures of all of them (testdata/captures/generic/dmidecode).

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"tandem/msp"
)

// dmiRecord is one structure of `dmidecode` output: its DMI type, its name
// line and its own "Key: value" lines. Lines indented deeper than the
// record's first key (the items of "Characteristics:", a chassis's "Lock
// present") belong to the key above them and are left out.
type dmiRecord struct {
	Type   int
	Name   string            // "BIOS Information", "Memory Device"
	Fields map[string]string // value trimmed; the first of a repeated key wins
}

// dmiTypeRE finds the type in "Handle 0x0000, DMI type 0, 24 bytes" and in
// the older "\tDMI type 0, 20 bytes." line under a bare "Handle 0x0000".
var dmiTypeRE = regexp.MustCompile(`DMI type (\d+)`)

// parseDMIDecode reads `dmidecode` output of any version since 2.2: the
// modern "Handle 0x..., DMI type N, M bytes" header or the older header on
// two lines, tabs or spaces for indentation, LF or CRLF line ends. Lines
// before the first handle ("# dmidecode 3.3", "SMBIOS 2.7 present.") are
// skipped. It never fails: what it cannot read, it leaves out.
func parseDMIDecode(b []byte) []dmiRecord {
	var out []dmiRecord
	var cur *dmiRecord
	fieldIndent := -1
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		text := strings.TrimSpace(line)
		if strings.HasPrefix(text, "Handle 0x") {
			out = append(out, dmiRecord{Type: -1, Fields: map[string]string{}})
			cur, fieldIndent = &out[len(out)-1], -1
			if m := dmiTypeRE.FindStringSubmatch(text); m != nil {
				cur.Type, _ = strconv.Atoi(m[1])
			}
			continue
		}
		if cur == nil || text == "" {
			continue
		}
		if cur.Type < 0 {
			if m := dmiTypeRE.FindStringSubmatch(text); m != nil && strings.HasPrefix(text, "DMI type") {
				cur.Type, _ = strconv.Atoi(m[1])
			}
			continue
		}
		k, v, ok := strings.Cut(text, ":")
		if !ok {
			if cur.Name == "" && fieldIndent < 0 {
				cur.Name = text
			}
			continue
		}
		indent := indentWidth(line)
		if fieldIndent < 0 {
			fieldIndent = indent
		}
		if indent != fieldIndent {
			continue
		}
		k = strings.TrimSpace(k)
		if _, dup := cur.Fields[k]; !dup {
			cur.Fields[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// indentWidth measures a line's leading white space, a tab moving to the
// next multiple of 8 as on a terminal.
func indentWidth(s string) int {
	w := 0
	for _, r := range s {
		switch r {
		case ' ':
			w++
		case '\t':
			w = w/8*8 + 8
		default:
			return w
		}
	}
	return w
}

// dmiPlaceholders are the values firmware writes where a string was never
// filled in, compared in lower case with runs of spaces made one.
var dmiPlaceholders = map[string]bool{
	"n/a": true, "na": true, "none": true, "null": true, "unknown": true, "undefined": true,
	"not specified": true, "not present": true, "not available": true, "not applicable": true,
	"not installed": true, "not provided": true, "not settable": true, "no dimm": true,
	"empty": true, "[empty]": true, "default string": true, "to be filled by o.e.m.": true,
	"to be filled by oem": true, "o.e.m.": true, "oem": true, "<bad index>": true,
	"<out of spec>": true, "<out of spec><out of spec>": true,
	"system manufacturer": true, "system product name": true, "system version": true,
	"system serial number": true, "chassis manufacture": true, "chassis manufacturer": true,
	"chassis version": true, "chassis serial number": true, "base board serial number": true,
	"no asset tag": true, "no asset information": true,
	"0123456789": true, "1234567890": true, "123456789": true,
}

// dmiTemplate matches the numbered samples BIOS kits leave in memory
// device strings: "Manufacturer0", "SerNum01", "PartNum3",
// "ModulePartNumber01", "AssetTagNum0".
var dmiTemplate = regexp.MustCompile(`(?i)^(manufacturer|sernum|serial ?num(ber)?|partnum|part ?num(ber)?|module ?part ?number|module ?serial ?number|module ?manufacturer|asset ?tag ?num)\s*\d*$`)

// dmiValue returns s trimmed, or "" when it is a placeholder: a word of
// dmiPlaceholders, a numbered template, or one character repeated
// ("0", "XXXXXXXXXX", ".........", "FFFFFFFF"). Such a value is the same on
// every machine of a kind, so it names none of them.
func dmiValue(s string) string {
	s = strings.TrimSpace(s)
	if dmiPlaceholders[strings.ToLower(strings.Join(strings.Fields(s), " "))] || dmiTemplate.MatchString(s) {
		return ""
	}
	if t := strings.ReplaceAll(s, " ", ""); t != "" && strings.Count(t, t[:1]) == len(t) && strings.Contains("0Xx.-*Ff", t[:1]) {
		return ""
	}
	return s
}

// dmiHexID matches a JEDEC manufacturer code written as hex digits
// ("80AD000080AD", "7F7FFE0000000000"), which some firmware puts where a
// memory module's manufacturer name belongs.
var dmiHexID = regexp.MustCompile(`^(0x)?[0-9A-Fa-f]{4,}$`)

// jedecMakers names the JEDEC JEP106 codes (bank, code with its parity
// bit) of the memory makers the captures show in hex; each was checked
// against the module's part number. Other codes give no name.
var jedecMakers = map[[2]byte]string{
	{1, 0x2C}: "Micron",
	{1, 0xAD}: "Hynix",
	{1, 0xCE}: "Samsung",
	{2, 0x98}: "Kingston",
	{3, 0xFE}: "Elpida",
	{4, 0x25}: "Kingmax",
}

// jedecName decodes a manufacturer code in either form firmware writes it:
// the JEP106 continuation form, one 0x7F byte per bank after the first and
// then the code, zero-padded to 8 bytes ("7F7FFE0000000000": bank 3, 0xFE);
// or the two bytes of a DDR3/DDR4 SPD, the bank number less one (with a
// parity bit) and the code, sometimes repeated ("80AD000080AD": bank 1,
// 0xAD). It returns "" for a code it does not know.
func jedecName(hex string) string {
	hex = strings.TrimPrefix(strings.TrimPrefix(hex, "0x"), "0X")
	var b []byte
	for i := 0; i+2 <= len(hex); i += 2 {
		n, err := strconv.ParseUint(hex[i:i+2], 16, 8)
		if err != nil {
			return ""
		}
		b = append(b, byte(n))
	}
	if len(b) < 2 {
		return ""
	}
	bank := 1
	for len(b) > 1 && b[0] == 0x7F {
		bank++
		b = b[1:]
	}
	switch {
	case bank > 1 || strings.Count(string(b[1:]), "\x00") == len(b)-1:
		return jedecMakers[[2]byte{byte(bank), b[0]}]
	case b[0]&0x7F < 16:
		return jedecMakers[[2]byte{b[0]&0x7F + 1, b[1]}]
	}
	return ""
}

// dmiPartNumber returns a memory module's part number without the dashes
// and spaces that pad it to its field ("GSOG42F-18----------"), decoded
// when the firmware wrote it as hex ASCII ("0x4D332037...": "M3 78T2953EZ3-CE6").
func dmiPartNumber(s string) string {
	s = dmiValue(s)
	if h, ok := strings.CutPrefix(s, "0x"); ok && len(h)%2 == 0 {
		var b []byte
		for i := 0; i+2 <= len(h); i += 2 {
			n, err := strconv.ParseUint(h[i:i+2], 16, 8)
			if err != nil || n == 0 {
				break
			}
			b = append(b, byte(n))
		}
		if t := string(b); len(b) > 0 && strings.IndexFunc(t, func(r rune) bool { return r < ' ' || r > '~' }) < 0 {
			s = t
		}
	}
	return dmiValue(strings.TrimRight(s, "- "))
}

// dmiDateRE reads a BIOS date: "MM/DD/YYYY" as SMBIOS 2.3 and later write
// it, "MM/DD/YY" as earlier ones do, and a month written with a leading
// zero too many ("001/22/2018", a Dell PowerEdge R630).
var dmiDateRE = regexp.MustCompile(`^(\d{1,3})/(\d{1,2})/(\d{4}|\d{2})$`)

// dmiDate turns a BIOS date (dmidecode's "Release Date", the kernel's
// bios_date) into "YYYY-MM-DD"; anything else, or a day that does not
// exist, gives "". A two-digit year is 19YY from 70 on, else 20YY.
func dmiDate(s string) string {
	m := dmiDateRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ""
	}
	month, _ := strconv.Atoi(m[1])
	day, _ := strconv.Atoi(m[2])
	year, _ := strconv.Atoi(m[3])
	if len(m[3]) == 2 {
		year += 1900
		if year < 1970 {
			year += 100
		}
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if month < 1 || month > 12 || t.Day() != day {
		return ""
	}
	return t.Format(time.DateOnly)
}

// dmiSystem is the system and BIOS strings the firmware gives, from
// dmidecode (types 0, 1 and 3) or from /sys/class/dmi/id.
type dmiSystem struct {
	Vendor, Product, Version, Serial, ChassisSerial string
	BIOSVendor, BIOSVersion, BIOSDate               string
}

// lenovoFamily matches the product families Lenovo writes in the system
// "Version" string while "Product Name" holds the machine type and model
// ("1298A8G"), which nobody at the desk recognises.
var lenovoFamily = regexp.MustCompile(`(?i)^(think|idea|yoga|legion|netfinity|netvista|intellistation)`)

// hardware turns the strings into msp.Hardware: placeholders dropped, the
// chassis serial standing in for a missing system serial (they are the same
// label on most machines), a Lenovo's family name put before its machine
// type ("ThinkPad Edge E320 (1298A8G)"), and the BIOS date as YYYY-MM-DD.
func (s dmiSystem) hardware() msp.Hardware {
	h := msp.Hardware{
		Vendor: dmiValue(s.Vendor),
		Model:  dmiValue(s.Product),
		Serial: orDefault(dmiValue(s.Serial), dmiValue(s.ChassisSerial)),
		BIOS: msp.BIOS{
			Vendor:  dmiValue(s.BIOSVendor),
			Version: dmiValue(s.BIOSVersion),
			Date:    dmiDate(s.BIOSDate),
		},
	}
	if v := dmiValue(s.Version); strings.EqualFold(h.Vendor, "LENOVO") && lenovoFamily.MatchString(v) {
		h.Model = strings.TrimSpace(v + " (" + h.Model + ")")
		h.Model = strings.TrimSuffix(h.Model, " ()")
	}
	return h
}

// dmiInfo is what the SMBIOS tables say about the machine.
type dmiInfo struct {
	Hardware msp.Hardware
	UUID     string
	Slots    int                // memory sockets listed, filled or not
	Modules  []msp.MemoryModule // the filled ones
	System   bool               // a BIOS (type 0) or system (type 1) record was found
}

// dmiFirst returns the fields of the first record of type t, or nil.
func dmiFirst(recs []dmiRecord, t int) map[string]string {
	for _, r := range recs {
		if r.Type == t {
			return r.Fields
		}
	}
	return nil
}

// dmiInventory reads the machine from parsed dmidecode records: the BIOS
// (type 0), the system (type 1; dmidecode 2.x says Vendor and Product), the
// chassis serial (type 3), and the memory (type 17 Memory Device, or the
// obsolete type 6 Memory Module on machines that have no type 17).
func dmiInventory(recs []dmiRecord) dmiInfo {
	var info dmiInfo
	bios, sys, chassis := dmiFirst(recs, 0), dmiFirst(recs, 1), dmiFirst(recs, 3)
	info.System = bios != nil || sys != nil
	info.Hardware = dmiSystem{
		Vendor:        orDefault(sys["Manufacturer"], sys["Vendor"]),
		Product:       orDefault(sys["Product Name"], sys["Product"]),
		Version:       sys["Version"],
		Serial:        sys["Serial Number"],
		ChassisSerial: chassis["Serial Number"],
		BIOSVendor:    bios["Vendor"],
		BIOSVersion:   bios["Version"],
		BIOSDate:      orDefault(bios["Release Date"], bios["Release"]),
	}.hardware()
	info.UUID = dmiUUID(sys["UUID"])

	for _, r := range recs {
		// dmidecode 2.0 printed no fields of a memory device: such a
		// record says nothing, not even that its socket is empty.
		if _, known := r.Fields["Size"]; r.Type != 17 || !known {
			continue
		}
		// Some firmware lists its flash chip as a memory device.
		if strings.EqualFold(r.Fields["Type"], "Flash") {
			continue
		}
		info.Slots++
		size, installed := dmiSize(r.Fields["Size"])
		if !installed {
			continue
		}
		speed := dmiSpeed(r.Fields["Speed"])
		if speed == 0 {
			speed = dmiSpeed(orDefault(r.Fields["Configured Memory Speed"], r.Fields["Configured Clock Speed"]))
		}
		maker := dmiValue(r.Fields["Manufacturer"])
		if dmiHexID.MatchString(maker) {
			maker = jedecName(maker)
		}
		info.Modules = append(info.Modules, msp.MemoryModule{
			Slot:         dmiValue(r.Fields["Locator"]),
			Bank:         dmiValue(r.Fields["Bank Locator"]),
			SizeBytes:    size,
			Type:         dmiKind(r.Fields["Type"]),
			SpeedMTs:     speed,
			FormFactor:   dmiKind(r.Fields["Form Factor"]),
			Manufacturer: maker,
			PartNumber:   dmiPartNumber(r.Fields["Part Number"]),
			Serial:       dmiValue(r.Fields["Serial Number"]),
		})
	}
	if info.Slots > 0 {
		return info
	}
	for _, r := range recs {
		if r.Type != 6 {
			continue
		}
		info.Slots++
		size, installed := dmiSize(r.Fields["Installed Size"])
		if !installed {
			continue
		}
		info.Modules = append(info.Modules, msp.MemoryModule{
			Slot:      dmiValue(orDefault(r.Fields["Socket Designation"], r.Fields["Socket"])),
			Bank:      dmiValue(orDefault(r.Fields["Bank Connections"], r.Fields["Banks"])),
			SizeBytes: size,
			Type:      dmiKind(r.Fields["Type"]),
		})
	}
	return info
}

// dmiKind is dmiValue for the enumerations of a memory device (type, form
// factor), where "Other" says nothing either.
func dmiKind(s string) string {
	s = dmiValue(s)
	if strings.EqualFold(s, "Other") {
		return ""
	}
	return s
}

// dmiSizeRE reads "2048 MB", "8 GB", "64 MB (Single-bank Connection)" and
// dmidecode 2.x's "256Mbyte".
var dmiSizeRE = regexp.MustCompile(`^(\d+)\s*(bytes|[kKMGT]B|[kKMG]byte)`)

// dmiSize reads a memory device's size. A module is installed when the
// size is a positive number; "Unknown" is a module of unknown size;
// "No Module Installed", "Not Installed" and 0 are an empty socket.
func dmiSize(s string) (bytes uint64, installed bool) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "Unknown") {
		return 0, true
	}
	m := dmiSizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil || n == 0 {
		return 0, false
	}
	shift := map[string]uint{"bytes": 0, "kB": 10, "KB": 10, "MB": 20, "GB": 30, "TB": 40,
		"kbyte": 10, "Kbyte": 10, "Mbyte": 20, "Gbyte": 30}[m[2]]
	if n > (1<<63)>>shift {
		return 0, false
	}
	return n << shift, true
}

// dmiSpeed reads "2133 MT/s", "1333 MHz" or "667 MHz (1.5 ns)" as MT/s.
// SMBIOS has always stored this number in MT/s; dmidecode before 3.0
// labelled it MHz. "Unknown" gives 0.
func dmiSpeed(s string) int {
	f := strings.Fields(s)
	if len(f) < 2 || (f[1] != "MT/s" && f[1] != "MHz") {
		return 0
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// dmiUUIDRE matches a UUID as dmidecode prints it.
var dmiUUIDRE = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

// dmiUUID returns the system UUID, or "" for none, a placeholder (all
// zeros, all F) or something that is not a UUID ("Not Settable").
func dmiUUID(s string) string {
	s = strings.TrimSpace(s)
	if !dmiUUIDRE.MatchString(s) {
		return ""
	}
	if t := strings.ToUpper(strings.ReplaceAll(s, "-", "")); strings.Count(t, "0") == len(t) || strings.Count(t, "F") == len(t) {
		return ""
	}
	return s
}
