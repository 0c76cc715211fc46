package app

import (
	"fmt"
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tandem/assets"
)

// AppID is the Fyne application id; preferences and storage are kept under it.
const AppID = "io.tandem.desktop"

// IconResource is Tandem's icon as a Fyne resource.
var IconResource = fyne.NewStaticResource("tandem.png", assets.Icon)

// About describes this copy of Tandem.
type About struct {
	Version string
	// DataDir is where the agent on this machine keeps its store, if known.
	DataDir string
}

// AboutContent is the content of the About window: what Tandem is, its version
// and platform, in words a person can read to their support desk.
func AboutContent(a About) fyne.CanvasObject {
	icon := canvas.NewImageFromResource(IconResource)
	icon.SetMinSize(fyne.NewSize(64, 64))
	icon.FillMode = canvas.ImageFillContain

	title := widget.NewLabelWithStyle("Tandem", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro := widget.NewLabel("Raise IT problems with your support team and see how they are going,\n" +
		"even when this computer is offline.")
	details := widget.NewForm(
		widget.NewFormItem("Version", widget.NewLabel(a.Version)),
		widget.NewFormItem("System", widget.NewLabel(fmt.Sprintf("%s/%s", runtime.GOOS, runtime.GOARCH))),
	)
	if a.DataDir != "" {
		details.Append("Agent data", widget.NewLabel(a.DataDir))
	}
	return container.NewPadded(container.NewBorder(
		container.NewHBox(icon, container.NewVBox(title, intro)), nil, nil, nil, details))
}
