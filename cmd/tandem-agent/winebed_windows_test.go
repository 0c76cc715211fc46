//go:build winebed

package main

import _ "tandem/internal/winebed"
