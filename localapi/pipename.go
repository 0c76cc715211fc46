package localapi

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
)

// PipeBase is the named pipe of the agent of the default data directory
// on Windows (%ProgramData%\Tandem\agent).
const PipeBase = `\\.\pipe\tandem-agent`

// PipeName returns the named pipe the agent of data directory dir serves
// on Windows: PipeBase for the default directory, else PipeBase, a dash
// and 12 hex digits of the SHA-256 of the directory's absolute path (case
// folded, as Windows paths are), so that test and development agents do
// not collide with the service.
func PipeName(dir string) string {
	return pipeName(dir, programData())
}

func pipeName(dir, programData string) string {
	norm := func(p string) string {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		p = strings.ReplaceAll(filepath.Clean(p), `/`, `\`)
		return strings.ToLower(strings.TrimRight(p, `\`))
	}
	d := norm(dir)
	if d == norm(programData+`\Tandem\agent`) {
		return PipeBase
	}
	sum := sha256.Sum256([]byte(d))
	return PipeBase + "-" + hex.EncodeToString(sum[:6])
}
