package inventory

import (
	"path/filepath"
	"testing"

	"tandem/msp"
)

// A BitLocker-encrypted Windows 10 (GLPI's win10-crypt capture): C: on,
// fully encrypted, AES 256.
func TestBitLockerFromWMICapture(t *testing.T) {
	rows := loadWMI(t, filepath.Join("testdata", "captures", "windows", "wmi", "win10-crypt-Win32_EncryptableVolume.wmi"))
	c, enc, ok := winBitLockerFromWMI(rows, "C:")
	if !ok || c.State != msp.CheckOK || c.Evidence != "BitLocker: C: protection on, fully encrypted, AES 256" || !enc["C:"] {
		t.Errorf("bitlocker = %+v, %v, %v", c, enc, ok)
	}
}

// Protection off is failing; a system drive the class does not list is
// unknown; no volume with a letter is no judgement.
func TestBitLockerFromWMIStates(t *testing.T) {
	c, enc, ok := winBitLockerFromWMI([]propSet{
		{"DriveLetter": "C:", "ProtectionStatus": "0", "ConversionStatus": "0", "EncryptionMethod": "0"},
		{"DriveLetter": "D:", "ProtectionStatus": "1", "ConversionStatus": "1", "EncryptionMethod": "7"},
	}, "C:")
	if !ok || c.State != msp.CheckFailing || c.Evidence != "BitLocker: C: protection off, fully decrypted" || enc["C:"] || !enc["D:"] {
		t.Errorf("off: %+v, %v, %v", c, enc, ok)
	}
	if c, _, _ := winBitLockerFromWMI([]propSet{{"DriveLetter": "D:", "ProtectionStatus": "1"}}, "C:"); c.State != msp.CheckUnknown {
		t.Errorf("system drive not listed: %+v", c)
	}
	if _, _, ok := winBitLockerFromWMI([]propSet{{"ProtectionStatus": "1"}}, "C:"); ok {
		t.Error("a volume with no letter gave a judgement")
	}
}
