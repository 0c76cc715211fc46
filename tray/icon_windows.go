package tray

// Icon returns a state's icon in the format this system's tray wants: ICO.
func Icon(s State) []byte { return ICO(PNG(s), IconSize) }
