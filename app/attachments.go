package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // thumbnails of GIF attachments
	_ "image/jpeg"
	_ "image/png"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

// attachmentGroups says under which message of a thread each attachment
// is drawn: the files of the new ticket (every file attached at or before
// the first comment) under its description, first; a file attached later
// under the last comment shown (shown reports which) written at or before
// it, in after by the comment's index. A file with no such comment goes
// with the description.
func attachmentGroups(comments []msp.Comment, atts []msp.Attachment, shown func(msp.Comment) bool) (first []msp.Attachment, after map[int][]msp.Attachment) {
	after = map[int][]msp.Attachment{}
	for _, a := range atts {
		at := -1
		for i, c := range comments {
			if c.CreatedAt.After(a.CreatedAt) {
				break
			}
			if shown(c) {
				at = i
			}
		}
		if at < 0 {
			first = append(first, a)
		} else {
			after[at] = append(after[at], a)
		}
	}
	return first, after
}

// mediaWords says what kind of file an attachment is: "PNG image", "PDF
// document", "text file", or its media type.
func mediaWords(a msp.Attachment) string {
	mt, _, err := mime.ParseMediaType(a.MediaType)
	if err != nil || mt == "" || mt == "application/octet-stream" {
		if ext := strings.TrimPrefix(filepath.Ext(a.Name), "."); ext != "" {
			return strings.ToUpper(ext) + " file"
		}
		return "file"
	}
	switch {
	case mt == "application/pdf":
		return "PDF document"
	case mt == "application/zip":
		return "zip archive"
	case strings.HasPrefix(mt, "image/"):
		return strings.ToUpper(strings.TrimPrefix(strings.TrimPrefix(mt, "image/"), "x-")) + " image"
	case strings.HasPrefix(mt, "text/"):
		return "text file"
	}
	return mt
}

// runnable are the kinds of files the desktop would run rather than show
// when opened: the dashboard offers only "Save as…" for them, so that a
// technician never starts a program a requester's computer sent.
var runnable = map[string]bool{
	"exe": true, "com": true, "bat": true, "cmd": true, "msi": true, "msp": true, "scr": true, "pif": true, "cpl": true,
	"ps1": true, "psm1": true, "vbs": true, "vbe": true, "js": true, "jse": true, "wsf": true, "wsh": true, "hta": true,
	"lnk": true, "url": true, "reg": true, "jar": true, "sh": true, "bash": true, "zsh": true, "csh": true, "run": true,
	"bin": true, "desktop": true, "appimage": true, "deb": true, "rpm": true, "app": true, "command": true, "pkg": true,
	"dmg": true, "py": true, "pl": true, "rb": true, "php": true, "apk": true, "iso": true, "img": true, "vhd": true,
	"docm": true, "xlsm": true, "pptm": true, "dotm": true, "xlam": true,
}

// openable reports whether "Open" is offered for a: not a program, a
// script or a document with macros.
func openable(a msp.Attachment) bool {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(a.Name), "."))
	mt, _, _ := mime.ParseMediaType(a.MediaType)
	switch mt {
	case "application/x-msdownload", "application/x-executable", "application/x-sh", "application/x-msi",
		"application/vnd.microsoft.portable-executable", "application/x-elf", "application/java-archive":
		return false
	}
	return !runnable[ext]
}

// Thumbnails are made of images up to thumbMaxBytes and thumbMaxPixels,
// so that opening a ticket never decodes a huge or hostile picture.
const (
	thumbMaxBytes  = 8 << 20
	thumbMaxPixels = 40_000_000
)

// thumbnailable reports whether a is an image the dashboard previews.
func thumbnailable(a msp.Attachment) bool {
	switch strings.ToLower(a.MediaType) {
	case "image/png", "image/jpeg", "image/gif":
		return a.Size <= thumbMaxBytes
	}
	return false
}

// decodeThumb decodes an image attachment for its thumbnail.
func decodeThumb(data []byte) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("reading the picture: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > thumbMaxPixels {
		return nil, fmt.Errorf("the picture is %d × %d pixels; too large to preview", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("reading the picture: %w", err)
	}
	return img, nil
}

// thumb is what the pane knows of one image's preview: the picture, or
// that it could not be had (offline, not at the hub, not a picture).
type thumb struct {
	img     image.Image
	failed  bool
	waiting []*fyne.Container // the slots drawn while it was fetched, filled when it arrives
}

// thumbSize is the box an image attachment's preview fits in.
var thumbSize = fyne.NewSize(240, 150)

// defaultFilesDir is where opened attachments are written for the
// desktop's viewer: the OS user's cache folder, which only they can read.
func defaultFilesDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "tandem", "opened")
}

// openWithDesktop opens path with the desktop's viewer for its type.
func openWithDesktop(path string) error {
	u := &url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
	if err := fyne.CurrentApp().OpenURL(u); err != nil {
		return fmt.Errorf("opening %s with this computer's viewer: %w", filepath.Base(path), err)
	}
	return nil
}

// writeOpened writes an attachment's bytes where the desktop's viewer
// reads them, readable by the OS user alone, and returns the path.
func writeOpened(dir string, a msp.Attachment, data []byte) (string, error) {
	sub := filepath.Join(dir, a.SHA256[:min(16, len(a.SHA256))])
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return "", fmt.Errorf("making a folder for opened files: %w", err)
	}
	path := filepath.Join(sub, safeName(filepath.Base(a.Name)))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("writing %s for the viewer: %w", a.Name, err)
	}
	return path, nil
}

// fileProblem says why a file could not be opened or saved.
func fileProblem(err error) string {
	var api *localapi.APIError
	if errors.As(err, &api) && api.Status == http.StatusServiceUnavailable {
		return capitalise(strings.TrimSuffix(api.Body.Message, ".")) + "."
	}
	return problem(err)
}

// attachmentBox is the files attached with one message: each with a
// preview if it is a picture, its name, size and type, "Open" and
// "Save as…".
func (v *ticketsTab) attachmentBox(t localapi.StaffTicket, atts []msp.Attachment) fyne.CanvasObject {
	box := container.NewVBox()
	for _, a := range atts {
		// The name on one line, cut if it must be; its size and type on
		// the next, in full.
		name := widget.NewLabelWithStyle(a.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		name.Truncation = fyne.TextTruncateEllipsis
		kind := widget.NewLabel(Size(a.Size) + " · " + mediaWords(a))
		kind.SizeName = theme.SizeNameCaptionText
		kind.Wrapping = fyne.TextWrapWord
		save := widget.NewButtonWithIcon("Save as…", theme.DocumentSaveIcon(), func() { v.SaveAttachment(t.ID, a) })
		actions := container.NewHBox(save)
		if openable(a) {
			var open *widget.Button
			open = widget.NewButtonWithIcon("Open", theme.FileIcon(), func() {
				// Fetching can take a while (a large file, or a hub that
				// does not answer): say so until it is done.
				open.Disable()
				open.SetText("Opening…")
				v.openAttachment(t.ID, a, func() {
					open.SetText("Open")
					open.Enable()
				})
			})
			actions = container.NewHBox(open, save)
		} else {
			kind.SetText(kind.Text + " · a program or script: save it and check it before running it")
			kind.Importance = widget.WarningImportance
		}
		icon := widget.NewIcon(theme.FileIcon())
		if strings.HasPrefix(a.MediaType, "image/") {
			icon = widget.NewIcon(theme.FileImageIcon())
		}
		box.Add(container.NewBorder(nil, nil, icon, container.NewCenter(actions), container.NewVBox(name, kind)))
		if thumbnailable(a) {
			box.Add(v.thumbnail(t.ID, a))
		}
	}
	return box
}

// thumbnail is the preview of an image attachment: shown at once when
// the pane has it, else fetched through the agent (kept there for
// offline) and shown when it arrives; nothing while it cannot be had.
func (v *ticketsTab) thumbnail(id string, a msp.Attachment) fyne.CanvasObject {
	slot := container.NewStack()
	set := func(slot *fyne.Container, pic image.Image) {
		img := canvas.NewImageFromImage(pic)
		img.FillMode = canvas.ImageFillContain
		img.ScaleMode = canvas.ImageScaleSmooth
		img.SetMinSize(thumbSize)
		slot.Objects = []fyne.CanvasObject{container.NewHBox(img)}
		slot.Refresh()
	}
	if th, ok := v.thumbs[a.SHA256]; ok {
		switch {
		case th.img != nil:
			set(slot, th.img)
		case !th.failed:
			th.waiting = append(th.waiting, slot) // drawn again while it is fetched
		}
		return slot
	}
	th := &thumb{waiting: []*fyne.Container{slot}}
	v.thumbs[a.SHA256] = th
	v.d.env.Async(func() {
		var data []byte
		err := v.d.env.call(func(ctx context.Context) error {
			var err error
			data, err = v.d.staff.StaffAttachment(ctx, id, a.ID)
			return err
		})
		var img image.Image
		if err == nil {
			img, err = decodeThumb(data)
		}
		fyne.Do(func() {
			waiting := th.waiting
			th.waiting = nil
			if err != nil {
				th.failed = true
				slog.Debug("no preview of an attached picture", "ticket", id, "name", a.Name, "err", err)
				return
			}
			th.img = img
			for _, s := range waiting {
				set(s, img)
			}
		})
	})
	return slot
}

// forgetFailedThumbs lets the pane try again the previews it could not
// have (offline, say) the next time they are shown.
func (v *ticketsTab) forgetFailedThumbs() {
	for k, th := range v.thumbs {
		if th.failed {
			delete(v.thumbs, k)
		}
	}
	if len(v.thumbs) > 64 {
		clear(v.thumbs) // the agent keeps the bytes; pictures are decoded again
	}
}

// OpenAttachment fetches attachment a of ticket id through the agent and
// opens it with the desktop's viewer; it says in a dialog why not when it
// cannot (offline before it was ever fetched, say).
func (v *ticketsTab) OpenAttachment(id string, a msp.Attachment) { v.openAttachment(id, a, nil) }

// openAttachment is OpenAttachment, calling done (when set) on the UI
// goroutine once the file is open or the reason shown.
func (v *ticketsTab) openAttachment(id string, a msp.Attachment, done func()) {
	if !openable(a) {
		return
	}
	env := v.d.env
	env.Async(func() {
		data, err := v.fetchAttachment(id, a)
		var path string
		if err == nil {
			path, err = writeOpened(env.FilesDir, a, data)
		}
		if err == nil {
			err = env.OpenFile(path)
		}
		fyne.Do(func() {
			if done != nil {
				done()
			}
			if err != nil {
				slog.Warn("an attached file could not be opened", "ticket", id, "name", a.Name, "err", err)
				dialog.ShowInformation(a.Name+" could not be opened", fileProblem(err), v.d.win)
			}
		})
	})
}

// fetchAttachment reads attachment a of ticket id through the agent; call
// it off the UI goroutine.
func (v *ticketsTab) fetchAttachment(id string, a msp.Attachment) ([]byte, error) {
	var data []byte
	err := v.d.env.call(func(ctx context.Context) error {
		var err error
		data, err = v.d.staff.StaffAttachment(ctx, id, a.ID)
		return err
	})
	return data, err
}

// SaveAttachment asks where to save attachment a of ticket id, then
// fetches it through the agent and writes it there.
func (v *ticketsTab) SaveAttachment(id string, a msp.Attachment) {
	fd := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("choosing where to save %s: %w", a.Name, err), v.d.win)
			return
		}
		if w == nil {
			return // cancelled
		}
		v.saveAttachmentTo(id, a, w)
	}, v.d.win)
	fd.SetFileName(safeName(filepath.Base(a.Name)))
	showFileDialog(fd, v.d.win)
}

// saveAttachmentTo fetches attachment a of ticket id and writes it to w,
// which it closes; on failure the file is removed and the reason shown.
func (v *ticketsTab) saveAttachmentTo(id string, a msp.Attachment, w fyne.URIWriteCloser) {
	env := v.d.env
	env.Async(func() {
		data, err := v.fetchAttachment(id, a)
		if err == nil {
			if _, err = w.Write(data); err != nil {
				err = fmt.Errorf("writing %s: %w", w.URI().Name(), err)
			}
			if cerr := w.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("saving %s: %w", w.URI().Name(), cerr)
			}
		} else {
			_ = w.Close() // nothing was written; the file is removed below
		}
		if err != nil {
			if derr := storage.Delete(w.URI()); derr != nil {
				slog.Warn("removing an unfinished saved file", "uri", w.URI().String(), "err", derr)
			}
		}
		fyne.Do(func() {
			if err != nil {
				dialog.ShowInformation(a.Name+" was not saved", fileProblem(err), v.d.win)
				return
			}
			dialog.ShowInformation("File saved", fmt.Sprintf("%s is saved as %s.", a.Name, savedWhere(w.URI())), v.d.win)
		})
	})
}

// removeOpened removes the files written for the desktop's viewer: at
// sign-out they go with the rest of the person's copy of the tickets.
func removeOpened(dir string) {
	if dir == "" {
		return
	}
	if err := os.RemoveAll(dir); err != nil {
		slog.Warn("could not remove the attached files opened on this computer", "dir", dir, "err", err)
	}
}

// attachedNote is the heading over the files of a message without text.
func attachedNote(who string, at, now time.Time) fyne.CanvasObject {
	return note(fmt.Sprintf("%s attached · %s", who, Ago(at, now)))
}
