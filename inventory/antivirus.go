package inventory

import (
	"fmt"
	"strings"

	"tandem/msp"
)

// Where WMI lists the antivirus: Defender's own status, and the products
// Security Center knows (absent on Windows Server).
const (
	defenderNamespace       = `root\Microsoft\Windows\Defender`
	securityCenterNamespace = `root\SecurityCenter2`
)

var (
	defenderClass = wmiClass{"MSFT_MpComputerStatus", []string{"AMServiceEnabled", "AntivirusEnabled", "RealTimeProtectionEnabled",
		"AMRunningMode", "AntivirusSignatureVersion", "AntivirusSignatureAge", "AntivirusSignatureLastUpdated", "IsTamperProtected"}}
	avProductClass = wmiClass{"AntiVirusProduct", []string{"displayName", "productState"}}
)

// winAVFromWMI judges the antivirus from Defender's MSFT_MpComputerStatus
// and Security Center's AntiVirusProduct instances, as winAntivirus judges
// the script's answer; ok false when neither has an instance. The notes
// name a value that is not what its class documents. The products are
// those the instances name (winAVProducts).
func winAVFromWMI(defender, products []propSet) (c msp.Check, avs []msp.AntivirusProduct, notes []string, ok bool) {
	var w winPosture
	num := func(class string, p propSet, prop string) uint64 {
		n, note := p.number(class, prop)
		if note != "" {
			notes = append(notes, note)
		}
		return n
	}
	yes := func(p propSet, prop string) bool { return strings.EqualFold(p[prop], "TRUE") }
	if len(defender) > 0 {
		p := defender[0]
		t, err := parsePSTime(p["AntivirusSignatureLastUpdated"])
		if err != nil {
			notes = append(notes, fmt.Sprintf("MSFT_MpComputerStatus.AntivirusSignatureLastUpdated: %v", err))
		}
		w.Defender = &winDefender{AMServiceEnabled: yes(p, "AMServiceEnabled"), AntivirusEnabled: yes(p, "AntivirusEnabled"),
			RealTimeProtectionEnabled: yes(p, "RealTimeProtectionEnabled"), AMRunningMode: p["AMRunningMode"],
			AntivirusSignatureVersion: p["AntivirusSignatureVersion"], AntivirusSignatureAge: int(num(defenderClass.Name, p, "AntivirusSignatureAge")),
			AntivirusSignatureLastUpdated: psTime{t}, IsTamperProtected: yes(p, "IsTamperProtected")}
	}
	for _, p := range products {
		w.AntivirusProducts = append(w.AntivirusProducts, winAVProduct{DisplayName: p["displayName"],
			ProductState: uint32(num(avProductClass.Name, p, "productState"))})
	}
	if w.Defender == nil && len(w.AntivirusProducts) == 0 {
		return msp.Check{}, nil, notes, false
	}
	return winAntivirus(w, nil), winAVProducts(w), notes, true
}

// winAVProducts names the antivirus products of w: Defender from its own
// status, the others from Security Center's productState (bits 12-15: on;
// bits 4-7: signatures out of date). Security Center's entry for Defender
// is left out when Defender's own status is there.
func winAVProducts(w winPosture) []msp.AntivirusProduct {
	var out []msp.AntivirusProduct
	if d := w.Defender; d != nil {
		current := d.AntivirusSignatureAge <= 7
		a := msp.AntivirusProduct{Name: "Microsoft Defender Antivirus", Company: "Microsoft Corporation",
			Enabled: d.AntivirusEnabled && d.RealTimeProtectionEnabled, UpToDate: &current, SignatureVersion: d.AntivirusSignatureVersion}
		if t := d.AntivirusSignatureLastUpdated.Time; !t.IsZero() {
			a.SignatureDate = t.UTC().Format("2006-01-02")
		}
		out = append(out, a)
	}
	for _, p := range w.AntivirusProducts {
		if w.Defender != nil && strings.Contains(p.DisplayName, "Defender") {
			continue
		}
		current := (p.ProductState>>4)&0xf == 0
		out = append(out, msp.AntivirusProduct{Name: p.DisplayName, Enabled: (p.ProductState>>12)&0xf == 1, UpToDate: &current})
	}
	return out
}
