/*
 * bcryptprimitives.dll for the Windows test bed (scripts/wine.sh).
 *
 * Go 1.24 and later read random bytes from ProcessPrng in
 * bcryptprimitives.dll, which Windows 10 and 11 have and wine 8.0 (Debian
 * 12) lacks, so every Go binary dies at start under it. This DLL gives
 * ProcessPrng over RtlGenRandom (advapi32's SystemFunction036), which wine
 * has. It is built from this file with Debian's mingw-w64 and copied into
 * the test bed's wine prefix only; it is never shipped.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		length -= n;
	}
	return TRUE;
}
