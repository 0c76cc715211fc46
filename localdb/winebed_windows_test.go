//go:build winebed

package localdb

import _ "tandem/internal/winebed"
