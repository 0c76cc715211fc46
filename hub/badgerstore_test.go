package hub_test

import (
	"context"
	"testing"

	"tandem/hub"
	"tandem/hub/storetest"
	"tandem/localdb"
)

func TestBadgerStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hub.Store {
		s, err := hub.OpenBadgerStore(context.Background(), t.TempDir(), localdb.Options{})
		if err != nil {
			t.Fatalf("OpenBadgerStore: %v", err)
		}
		return s
	})
}

var _ hub.Store = (*hub.BadgerStore)(nil)
