//go:build winebed

package logfile

import _ "tandem/internal/winebed"
