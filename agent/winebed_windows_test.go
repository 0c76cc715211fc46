//go:build winebed

package agent

import _ "tandem/internal/winebed"
