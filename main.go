// Command tandem is Tandem's desktop program: the Fyne windows that staff, IT
// leads and technicians use. It is a thin client of the local agent.
//
//	tandem about      what this copy of Tandem is
//	tandem version    print the version
package main

import (
	"fmt"
	"os"

	fyneapp "fyne.io/fyne/v2/app"

	"tandem/app"
	"tandem/internal/version"
)

const usage = `tandem — the Tandem desktop windows

Usage:
  tandem about      show what this copy of Tandem is
  tandem version    print the version
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tandem:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "about"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "version", "--version":
		fmt.Println(version.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	case "about":
		a := fyneapp.NewWithID(app.AppID)
		a.SetIcon(app.IconResource)
		w := a.NewWindow("About Tandem")
		w.SetContent(app.AboutContent(app.About{Version: version.Version, DataDir: os.Getenv("TANDEM_DATA")}))
		w.ShowAndRun()
		return nil
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
}
