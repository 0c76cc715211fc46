// Package winebed adapts a Windows test binary to wine 8, the Windows test
// bed of `make test` (scripts/wine.sh), and tells Windows tests whether
// they run under wine ([UnderWine]). Only test files import it, never the
// product; its fix below is linked only with the winebed tag.
//
// Wine 8 does not implement FileDispositionInformationEx, which Go 1.26's
// os.RemoveAll asks for first. It answers "not implemented" where Windows
// before 10 1607 answers "invalid info class", so Go does not fall back to
// the older call and every t.TempDir cleanup fails with "Invalid
// function". Setting the standard library's own test switch makes
// RemoveAll take the fallback it uses on older Windows.
package winebed
