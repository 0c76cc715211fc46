package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"tandem/hub/webhook"
	"tandem/internal/pgtest"
)

// The webhook queue in PostgreSQL: endpoints per tenant, deliveries queued
// once, handed to one hub at a time (a claim that runs out), kept due in
// order, dead ones listed, delivered ones gone and never queued again.
func TestWebhookStore(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	s := open(t, c.NewDatabase(t))
	defer s.Close()
	w := s.WebhookStore()
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC)

	ep := webhook.Endpoint{ID: "ep1", Tenant: "acme", URL: "https://psa.example/hook", Secret: "s", CreatedAt: t0}
	if err := w.PutEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	if err := w.PutEndpoint(ctx, webhook.Endpoint{ID: "ep2", Tenant: "bolt", URL: "https://b.example/", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if got, err := w.Endpoint(ctx, "acme", "ep1"); err != nil || got.URL != ep.URL {
		t.Errorf("Endpoint = %+v, %v", got, err)
	}
	if _, err := w.Endpoint(ctx, "bolt", "ep1"); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("another tenant's endpoint: %v, want ErrNotFound", err)
	}
	if all, err := w.Endpoints(ctx, ""); err != nil || len(all) != 2 {
		t.Errorf("Endpoints(all) = %d, %v", len(all), err)
	}
	if mine, err := w.Endpoints(ctx, "acme"); err != nil || len(mine) != 1 {
		t.Errorf("Endpoints(acme) = %d, %v", len(mine), err)
	}

	var ds []webhook.Delivery
	for i := range 6 {
		ds = append(ds, webhook.Delivery{ID: fmt.Sprintf("d%d", i), Endpoint: "ep1", Tenant: "acme", Event: "ticket.created",
			Body: json.RawMessage(`{}`), State: webhook.StatePending, CreatedAt: t0, NextAt: t0.Add(time.Duration(5-i) * time.Nanosecond)})
	}
	if err := errors.Join(w.Enqueue(ctx, ds), w.Enqueue(ctx, ds[:2])); err != nil {
		t.Fatal(err)
	}
	if n, err := w.Depth(ctx); err != nil || n != 6 {
		t.Errorf("Depth = %d, %v; want 6 (queueing again adds nothing)", n, err)
	}
	now := t0.Add(time.Second)
	a, _, err := w.Due(ctx, now, 4)
	if err != nil || len(a) != 4 || a[0].ID != "d5" || a[1].ID != "d4" {
		t.Fatalf("Due(4) = %v, %v; want the 4 earliest, earliest first", ids(a), err)
	}
	b, next, err := w.Due(ctx, now, 4)
	if err != nil || len(b) != 2 || b[0].ID != "d1" {
		t.Fatalf("a second hub's Due(4) = %v, %v; want the 2 not handed out", ids(b), err)
	}
	if !next.After(now) {
		t.Errorf("next after everything was handed out = %v, want the claims' end", next)
	}
	if none, _, err := w.Due(ctx, now, 4); err != nil || len(none) != 0 {
		t.Errorf("Due while all are claimed = %v, %v", ids(none), err)
	}
	// A hub that died: its claims run out, another hub sends them.
	if late, _, err := w.Due(ctx, now.Add(time.Hour), 10); err != nil || len(late) != 6 {
		t.Errorf("Due after the claims ran out = %v, %v; want all 6", ids(late), err)
	}

	d := a[0]
	d.State, d.DoneAt = webhook.StateDelivered, now
	dead := a[1]
	dead.State, dead.DoneAt = webhook.StateDead, now
	retry := a[2]
	retry.Attempts, retry.NextAt = 1, now.Add(time.Minute)
	if err := errors.Join(w.Save(ctx, d), w.Save(ctx, dead), w.Save(ctx, retry)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Delivery(ctx, d.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("a delivered delivery: %v, want ErrNotFound", err)
	}
	if err := w.Enqueue(ctx, []webhook.Delivery{ds[5]}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Delivery(ctx, d.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("a delivered delivery queued again (a second hub's relay) came back: %v", err)
	}
	if got, err := w.Dead(ctx, "acme"); err != nil || len(got) != 1 || got[0].ID != dead.ID {
		t.Errorf("Dead = %v, %v", ids(got), err)
	}
	if got, err := w.Delivery(ctx, retry.ID); err != nil || got.Attempts != 1 || !got.NextAt.Equal(retry.NextAt) {
		t.Errorf("the retried delivery = %+v, %v", got, err)
	}
	if n, err := w.Depth(ctx); err != nil || n != 4 {
		t.Errorf("Depth = %d, %v; want 4 pending", n, err)
	}
	if err := w.DeleteEndpoint(ctx, "acme", "ep1"); err != nil {
		t.Fatal(err)
	}
	if err := w.DeleteEndpoint(ctx, "acme", "ep1"); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("deleting a removed endpoint: %v, want ErrNotFound", err)
	}
}

func ids(ds []webhook.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}
