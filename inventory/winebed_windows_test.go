//go:build winebed

package inventory

import _ "tandem/internal/winebed"
