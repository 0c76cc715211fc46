package inventory

// The antivirus products' own command-line tools, as the macOS collector
// asks them once it finds their daemon running (the same tools exist on
// Linux): Microsoft Defender's `mdatp health --output json`, Cortex XDR's
// `cytool info` and `cytool runtime query`, and SentinelOne's `sentinelctl`
// reports. Tested on the GLPI captures in testdata/captures.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"tandem/msp"
)

// avReport is what an antivirus's tool says about it.
type avReport struct {
	Product string // "Microsoft Defender for Endpoint"
	Version string
	// On is true when it protects in real time (Defender), its protection
	// processes run (Cortex XDR) or its agent is enabled (SentinelOne).
	On bool
	// Stale is true when the tool says its definitions are out of date.
	Stale bool
	// NoState is true when the tool's output does not say whether it is
	// on (`sentinelctl version` alone): the caller judges by its daemon.
	NoState bool
	Detail  string // words for the evidence: "definitions 1.389.10.0 up to date"
}

// evidence is the report in words.
func (a avReport) evidence() string {
	state := "off"
	if a.On {
		state = "on"
	}
	s := strings.TrimSpace(a.Product + " " + a.Version + ": " + state)
	if a.Detail != "" {
		s += ", " + a.Detail
	}
	return s
}

// avChecks judges the reports: OK when one is on with definitions that are
// not stale, failing when every product found is off or stale.
func avChecks(reports []avReport, extra ...string) msp.Check {
	ok := false
	var ev []string
	for _, a := range reports {
		ok = ok || (a.On && !a.Stale)
		ev = append(ev, a.evidence())
	}
	for _, e := range extra {
		if e != "" {
			ev = append(ev, e)
		}
	}
	if ok {
		return check(msp.CheckOK, "%s", strings.Join(ev, "; "))
	}
	return check(msp.CheckFailing, "%s", strings.Join(ev, "; "))
}

// mdatpHealth is the part of `mdatp health --output json` read here.
type mdatpHealth struct {
	AppVersion        string `json:"appVersion"`
	Healthy           *bool  `json:"healthy"`
	Licensed          *bool  `json:"licensed"`
	DefinitionsVer    string `json:"definitionsVersion"`
	DefinitionsStatus struct {
		Type string `json:"$type"` // "upToDate", "outdated", "unavailable"
	} `json:"definitionsStatus"`
	RealTime struct {
		Value *bool `json:"value"`
	} `json:"realTimeProtectionEnabled"`
	Passive struct {
		Value *bool `json:"value"`
	} `json:"passiveModeEnabled"`
	HealthIssues []string `json:"healthIssues"`
}

// parseMDATPHealth reads Microsoft Defender's `mdatp health --output json`.
func parseMDATPHealth(b []byte) (avReport, error) {
	var h mdatpHealth
	if err := json.Unmarshal(b, &h); err != nil {
		return avReport{}, fmt.Errorf("reading mdatp health: %w", err)
	}
	if h.AppVersion == "" && h.Healthy == nil {
		return avReport{}, fmt.Errorf("mdatp health gave neither appVersion nor healthy")
	}
	a := avReport{Product: "Microsoft Defender for Endpoint", Version: h.AppVersion}
	a.On = h.RealTime.Value != nil && *h.RealTime.Value && (h.Passive.Value == nil || !*h.Passive.Value)
	a.Stale = h.DefinitionsStatus.Type != "" && h.DefinitionsStatus.Type != "upToDate"
	var d []string
	if h.DefinitionsVer != "" {
		d = append(d, "definitions "+h.DefinitionsVer+" "+orDefault(h.DefinitionsStatus.Type, "(status unknown)"))
	}
	if h.Passive.Value != nil && *h.Passive.Value {
		d = append(d, "passive mode")
	}
	if h.Licensed != nil && !*h.Licensed {
		d = append(d, "not licensed")
		a.On = false
	}
	if h.Healthy != nil && !*h.Healthy {
		d = append(d, "unhealthy: "+orDefault(strings.Join(h.HealthIssues, ", "), "(no issue named)"))
		a.On = false
	}
	a.Detail = strings.Join(d, ", ")
	return a, nil
}

// cytoolVersion matches the first line of `cytool info`: "Cortex XDR (R)
// supervisor tool 8.2.1.47908".
var cytoolVersion = regexp.MustCompile(`Cortex XDR.*?(\d+(?:\.\d+)+)`)

// parseCytool reads Cortex XDR's `cytool info`, `cytool info query` and
// `cytool runtime query`: the version, the content version and the
// processes with their status ("Running", "Loaded", "Stopped"). It is on
// when every process listed runs or is loaded.
func parseCytool(info, query, runtime []byte) (avReport, error) {
	a := avReport{Product: "Cortex XDR"}
	if m := cytoolVersion.FindSubmatch(info); m != nil {
		a.Version = string(m[1])
	}
	var d []string
	for line := range strings.Lines(string(query)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Content Version:"); ok {
			d = append(d, "content "+strings.TrimSpace(v))
		}
	}
	running, other := 0, []string{}
	header := false
	for line := range strings.Lines(string(runtime)) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if !header {
			header = f[0] == "Name" && strings.Contains(line, "Status")
			continue
		}
		// Name (may hold spaces: "cortex xdr"), PID, User, Status, Command.
		// The status is the first field after the PID and user that is a
		// status word.
		st := ""
		for _, w := range f {
			switch w {
			case "Running", "Loaded", "Stopped", "Stopping", "Starting", "Terminated", "Crashed", "Error":
				st = w
			}
			if st != "" {
				break
			}
		}
		switch st {
		case "Running", "Loaded":
			running++
		default:
			other = append(other, strings.TrimSpace(line))
		}
	}
	if !header {
		return a, fmt.Errorf("cytool runtime query printed no process table")
	}
	a.On = running > 0 && len(other) == 0
	d = append(d, fmt.Sprintf("%d processes running or loaded", running))
	if len(other) > 0 {
		d = append(d, "not running: "+strings.Join(other, " | "))
	}
	a.Detail = strings.Join(d, ", ")
	return a, nil
}

// parseSentinelCtl reads SentinelOne's `sentinelctl` reports ("Agent
// version: 30.1.1.10", "Agent state      Enabled", the engines' states).
func parseSentinelCtl(b []byte) (avReport, error) {
	a := avReport{Product: "SentinelOne"}
	state := ""
	var disabled []string
	for line := range strings.Lines(string(b)) {
		t := strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(t, "Agent version:"); ok {
			a.Version = strings.TrimSpace(v)
			continue
		}
		f := strings.Fields(t)
		if len(f) < 2 {
			continue
		}
		last := f[len(f)-1]
		name := strings.Join(f[:len(f)-1], " ")
		switch {
		case name == "Agent state":
			state = last
		case strings.HasSuffix(name, "engine") && last == "Disabled":
			disabled = append(disabled, name)
		}
	}
	if a.Version == "" && state == "" {
		return a, fmt.Errorf("sentinelctl gave neither the agent's version nor its state")
	}
	a.On = strings.EqualFold(state, "Enabled")
	a.NoState = state == ""
	d := []string{"agent " + orDefault(strings.ToLower(state), "state not reported")}
	if len(disabled) > 0 {
		d = append(d, "disabled: "+strings.Join(disabled, ", "))
	}
	a.Detail = strings.Join(d, ", ")
	return a, nil
}
