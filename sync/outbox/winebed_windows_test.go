//go:build winebed

package outbox

import _ "tandem/internal/winebed"
