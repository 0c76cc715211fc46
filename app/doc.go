// Package app builds Tandem's desktop windows with Fyne: the About window,
// the new-ticket window and the "My tickets" window. Windows are thin
// clients of the agent's local API (the Agent interface, satisfied by
// localapi.Client): nothing here opens the local store, and everything a
// person does is saved by the agent at once, online or offline.
//
// Work that waits on the agent runs off the UI goroutine; its results are
// applied to widgets through fyne.Do.
package app
