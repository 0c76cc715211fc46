package tray

func urlOpener(u string) (string, []string) {
	return "rundll32", []string{"url.dll,FileProtocolHandler", u}
}
