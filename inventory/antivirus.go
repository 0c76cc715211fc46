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
// name a value that is not what its class documents.
func winAVFromWMI(defender, products []propSet) (c msp.Check, notes []string, ok bool) {
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
		return msp.Check{}, notes, false
	}
	return winAntivirus(w, nil), notes, true
}
