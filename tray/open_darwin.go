package tray

func urlOpener(u string) (string, []string) { return "open", []string{u} }
