package hub_test

import (
	"testing"

	"tandem/msp"
)

func TestSmoke(t *testing.T) {
	h := startHub(t)
	tn := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, tn.ID, "pc-1")
	resp := d.push(t, createM(d.next(), draft("Printer jams")))
	t.Logf("%+v", resp)
}
