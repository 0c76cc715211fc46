package msp

import (
	"fmt"
	"testing"
	"time"
)

// busyTicket is an open ticket with n comments.
func busyTicket(b *testing.B, n int) *Ticket {
	tk := ticketIn(b, StatusOpen)
	for i := range n {
		tk = mustApply(b, tk, commentChange(tk, fmt.Sprintf("comment %d with a sentence or two of text in it", i)), tech, t0)
	}
	return tk
}

func BenchmarkApplyComment(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("comments=%d", n), func(b *testing.B) {
			tk := busyTicket(b, n)
			c := commentChange(tk, "one more")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Apply(tk, c, jane, later); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkApplyReplayedComment(b *testing.B) {
	tk := busyTicket(b, 100)
	c := commentChange(tk, "one more")
	tk = mustApply(b, tk, c, jane, later)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Apply(tk, c, jane, later); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyCreate(b *testing.B) {
	id := NewTicketID()
	c := Change{ID: NewID(), Kind: ChangeCreate, TicketID: id, Ticket: draft(id), At: t0}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Apply(nil, c, jane, later); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTicketValidate(b *testing.B) {
	tk := busyTicket(b, 100)
	b.ReportAllocs()
	for b.Loop() {
		if err := tk.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInBusinessHours(b *testing.B) {
	tn := NewTenant("acme", "Acme", ModeCoManaged)
	at := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if !tn.InBusinessHours(at) {
			b.Fatal("closed")
		}
	}
}

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = NewID()
	}
}
