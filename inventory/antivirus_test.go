package inventory

import (
	"strings"
	"testing"

	"tandem/msp"
)

// No capture of MSFT_MpComputerStatus or AntiVirusProduct exists (the
// GLPI captures hold none): these property sets are written by the team
// from the classes' documentation, so they prove the mapping reads that
// reading of it, not what a real machine says.
func TestAntivirusFromWMI(t *testing.T) {
	defender := propSet{"AMServiceEnabled": "TRUE", "AntivirusEnabled": "TRUE", "RealTimeProtectionEnabled": "TRUE",
		"AMRunningMode": "Normal", "AntivirusSignatureVersion": "1.421.1234.0", "AntivirusSignatureAge": "1",
		"AntivirusSignatureLastUpdated": "20261201083000.000000+000", "IsTamperProtected": "TRUE"}
	c, _, notes, ok := winAVFromWMI([]propSet{defender}, nil)
	if !ok || len(notes) > 0 || c.State != msp.CheckOK || !strings.Contains(c.Evidence, "Microsoft Defender: real-time protection on") {
		t.Errorf("Defender on: %+v, %q, %v", c, notes, ok)
	}
	defender["RealTimeProtectionEnabled"] = "FALSE"
	if c, _, _, _ := winAVFromWMI([]propSet{defender}, nil); c.State != msp.CheckFailing {
		t.Errorf("real-time protection off: %+v", c)
	}
	// A third-party product Security Center reports on and current
	// (productState 0x041000: on, signatures up to date).
	c, _, _, ok = winAVFromWMI(nil, []propSet{{"displayName": "ESET Security", "productState": "266240"}})
	if !ok || c.State != msp.CheckOK || !strings.Contains(c.Evidence, "ESET Security: on") {
		t.Errorf("ESET on: %+v, %v", c, ok)
	}
	if _, _, _, ok := winAVFromWMI(nil, nil); ok {
		t.Error("nothing listed gave a judgement")
	}
	if _, _, notes, _ := winAVFromWMI(nil, []propSet{{"displayName": "X", "productState": "on"}}); len(notes) != 1 {
		t.Errorf("a bad productState gave notes %q", notes)
	}
}
