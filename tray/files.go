package tray

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"tandem/localapi"
)

// StateDir is where the tray keeps its own small files for this person
// (its log, the notification icon, the support details last seen):
// the user's cache directory, under "tandem".
func StateDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding your cache directory: %w", err)
	}
	dir := filepath.Join(base, "tandem")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating the tray's directory: %w", err)
	}
	return dir, nil
}

// supportFile keeps the support details last seen, so a tray that starts
// while the agent is down can still say whom to call.
const supportFile = "support.json"

// LoadSupport reads the support details last saved in dir; none saved is
// not an error.
func LoadSupport(dir string) (localapi.Support, error) {
	var s localapi.Support
	b, err := os.ReadFile(filepath.Join(dir, supportFile))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("reading the saved support details: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return localapi.Support{}, fmt.Errorf("the saved support details in %s are damaged: %w", dir, err)
	}
	return s, nil
}

// SaveSupport saves s in dir (written to a temporary file and renamed, so
// a crash leaves the old or the new details, never half).
func SaveSupport(dir string, s localapi.Support) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encoding the support details: %w", err)
	}
	tmp := filepath.Join(dir, supportFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("saving the support details: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, supportFile)); err != nil {
		return fmt.Errorf("saving the support details: %w", err)
	}
	return nil
}

// WriteIcons writes each state's icon as a PNG file in dir (for
// notifications, which take a file) and returns the file of a state.
func WriteIcons(dir string) (func(State) string, error) {
	for s := StateAllWell; s <= StateNotRunning; s++ {
		if err := os.WriteFile(filepath.Join(dir, "tandem-"+s.String()+".png"), PNG(s), 0o600); err != nil {
			return nil, fmt.Errorf("writing the notification icons: %w", err)
		}
	}
	return func(s State) string { return filepath.Join(dir, "tandem-"+s.String()+".png") }, nil
}
