package inventory

import (
	"fmt"
	"strings"

	"tandem/msp"
)

// bitLockerNamespace and bitLockerClass are where WMI lists the volumes
// BitLocker can encrypt (administrators and SYSTEM only).
const bitLockerNamespace = `root\CIMV2\Security\MicrosoftVolumeEncryption`

var bitLockerClass = wmiClass{"Win32_EncryptableVolume",
	[]string{"DriveLetter", "ProtectionStatus", "ConversionStatus", "EncryptionMethod", "VolumeType"}}

// Win32_EncryptableVolume's documented values.
var (
	wmiBLProtection = map[string]string{"0": "off", "1": "on", "2": "unknown"}
	wmiBLConversion = map[string]string{"0": "fully decrypted", "1": "fully encrypted", "2": "encrypting",
		"3": "decrypting", "4": "encryption paused", "5": "decryption paused"}
	wmiBLMethod = map[string]string{"0": "no encryption", "1": "AES 128 with diffuser", "2": "AES 256 with diffuser",
		"3": "AES 128", "4": "AES 256", "5": "hardware encryption", "6": "XTS-AES 128", "7": "XTS-AES 256"}
)

// winBitLockerFromWMI judges the system drive's encryption from the
// Win32_EncryptableVolume instances, and returns the drives ("C:") that are
// encrypted; ok false when no instance has a drive letter.
func winBitLockerFromWMI(rows []propSet, systemDrive string) (c msp.Check, encrypted map[string]bool, ok bool) {
	sys := strings.ToUpper(orDefault(systemDrive, "C:"))
	encrypted = map[string]bool{}
	found := false
	for _, p := range rows {
		drive := strings.ToUpper(strings.TrimSuffix(strings.TrimSpace(p["DriveLetter"]), `\`))
		if drive == "" {
			continue // a volume with no letter (the recovery partition)
		}
		ok = true
		conv := p["ConversionStatus"]
		encrypted[drive] = conv != "" && conv != "0"
		if drive != sys {
			continue
		}
		found = true
		prot := orDefault(wmiBLProtection[p["ProtectionStatus"]], "unknown")
		desc := fmt.Sprintf("BitLocker: %s protection %s", drive, prot)
		if s := wmiBLConversion[conv]; s != "" {
			desc += ", " + s
		}
		if m := wmiBLMethod[p["EncryptionMethod"]]; m != "" && p["EncryptionMethod"] != "0" {
			desc += ", " + m
		}
		if prot == "on" {
			c = check(msp.CheckOK, "%s", desc)
		} else {
			c = check(msp.CheckFailing, "%s", desc)
		}
	}
	if ok && !found {
		c = check(msp.CheckUnknown, "BitLocker: Win32_EncryptableVolume does not list the system drive %s", sys)
	}
	return c, encrypted, ok
}
