//go:build winebed

package single

import _ "tandem/internal/winebed"
