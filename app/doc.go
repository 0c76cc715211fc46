// Package app builds Tandem's desktop windows with Fyne. Windows are thin
// clients of the agent's local API: nothing here opens the local store.
package app
