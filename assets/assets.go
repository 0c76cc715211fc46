// Package assets holds the icons and other resources bundled into Tandem's programs.
package assets

import _ "embed"

// Icon is Tandem's application icon, a 256×256 PNG.
//
//go:embed icon.png
var Icon []byte
