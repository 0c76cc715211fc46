//go:build winebed

package localapi

import _ "tandem/internal/winebed"
