package localapi

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"tandem/msp"
)

// attachments checks the files of a new ticket against the limits and
// returns their metadata and bytes. problem, when not empty, says in plain
// words what is wrong (the answer is 413 with it under "attachments").
// A file without a media type gets one sniffed from its first bytes; a name
// loses any folders.
func attachments(ups []Upload, now time.Time) (atts []msp.Attachment, files []File, problem string) {
	if len(ups) == 0 {
		return nil, nil, ""
	}
	if len(ups) > MaxUploadFiles {
		return nil, nil, fmt.Sprintf("%d files are attached; a ticket takes at most %d, so attach fewer or put them in one zip file", len(ups), MaxUploadFiles)
	}
	total := 0
	for _, u := range ups {
		total += len(u.Data)
	}
	if total > MaxUpload {
		return nil, nil, fmt.Sprintf("the attached files come to %.1f MB; a ticket takes at most %d MB in all, so attach fewer or smaller files, or share a link", float64(total)/(1<<20), MaxUpload>>20)
	}
	seen := map[string]bool{}
	for i, u := range ups {
		name := cleanName(u.Name, i)
		if len(u.Data) == 0 {
			return nil, nil, fmt.Sprintf("%s is empty; attach it again", name)
		}
		mt := strings.TrimSpace(u.MediaType)
		if _, _, err := mime.ParseMediaType(mt); err != nil || !strings.Contains(mt, "/") {
			mt = http.DetectContentType(u.Data)
		}
		sum := sha256.Sum256(u.Data)
		h := hex.EncodeToString(sum[:])
		atts = append(atts, msp.Attachment{ID: msp.NewID(), Name: name, MediaType: mt, Size: int64(len(u.Data)), SHA256: h, CreatedAt: now})
		if !seen[h] {
			seen[h] = true
			files = append(files, File{SHA256: h, Data: u.Data})
		}
	}
	return atts, files, ""
}

// cleanName keeps the file name without folders (from either kind of
// separator); a missing name becomes "attachment-N".
func cleanName(name string, i int) string {
	name = strings.TrimSpace(strings.ReplaceAll(name, `\`, "/"))
	name = path.Base(name)
	if name == "." || name == "/" || name == ".." || name == "" {
		return fmt.Sprintf("attachment-%d", i+1)
	}
	return name
}
