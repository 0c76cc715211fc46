package hub

import (
	"context"
	"sync"

	"tandem/sync/protocol"
)

// chunkJob is one chunk of one push: mutations of one client to apply
// after its high-water mark, in one transaction with the new mark.
type chunkJob struct {
	p      principal
	stream string // the stream's key (principal.streamKey)
	base   uint64 // where a stream the hub has not seen starts
	muts   []pushed
	size   int // the bytes of the mutations as they arrived

	// Set by the commit that carried the job.
	results []protocol.Result
	events  []TicketEvent // told after the commit
	hw      uint64
	gap     bool
	err     error
	done    chan struct{}
}

// groupCommit merges the chunks of concurrent pushes into one store
// transaction, so that many devices checking in at once share one durable
// write (the store's sync is the cost of a push). There is no background
// goroutine: the first waiting request commits for everybody queued behind
// it, then the next leader takes what arrived meanwhile.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*chunkJob
	leading bool
}

// maxGroupBytes bounds what one merged transaction holds.
const maxGroupBytes = maxChunkBytes

// applyChunk queues job and returns when a commit has carried it.
func (s *Server) applyChunk(ctx context.Context, job *chunkJob) {
	job.done = make(chan struct{})
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, job)
	if g.leading {
		g.mu.Unlock()
		<-job.done
		return
	}
	g.leading = true
	for {
		// Take what is queued, up to the size bound.
		var batch []*chunkJob
		size := 0
		i := 0
		for i < len(g.queue) && (i == 0 || size+g.queue[i].size <= maxGroupBytes) {
			size += g.queue[i].size
			i++
		}
		batch, g.queue = g.queue[:i:i], g.queue[i:]
		g.mu.Unlock()

		gctx := context.WithoutCancel(ctx)
		if len(batch) > 1 {
			gctx = SingleTry(gctx) // on a conflict, each push is committed (and retried) alone below
		}
		if err := s.commitGroup(gctx, batch); err != nil && len(batch) > 1 {
			// One job's trouble (too large a transaction, a bad record)
			// must not fail the others: commit each on its own.
			for _, j := range batch {
				_ = s.commitGroup(context.WithoutCancel(ctx), []*chunkJob{j}) // the error is in j.err
			}
		}
		for _, j := range batch {
			close(j.done)
		}

		g.mu.Lock()
		if len(g.queue) == 0 {
			g.leading = false
			g.mu.Unlock()
			break
		}
	}
	<-job.done
}

// commitGroup applies every job of batch in one transaction. Jobs of the
// same client follow each other in the transaction and see each other's
// high-water marks. If the transaction fails, every job in it fails.
func (s *Server) commitGroup(ctx context.Context, batch []*chunkJob) error {
	var queued bool
	err := s.store.Update(ctx, func(tx Tx) error {
		queued = false
		for _, j := range batch {
			j.results, j.events, j.gap, j.hw = nil, nil, false, 0
			mark, err := tx.Mark(j.stream)
			if err != nil {
				return err
			}
			if !mark.Known {
				mark = StreamMark{Seq: j.base, Known: true}
			}
			for _, d := range j.muts {
				res, id, stop, err := s.applyOne(tx, j.p, mark, d, &j.events)
				if err != nil {
					return err
				}
				if res.Outcome != "" {
					j.results = append(j.results, res)
				}
				if stop {
					j.gap = true
					break
				}
				if res.Seq > mark.Seq {
					mark.Seq, mark.LastID = res.Seq, id
				}
			}
			j.hw = mark.Seq
			if err := tx.SetMark(j.stream, mark); err != nil {
				return err
			}
			q, err := s.queueEvents(ctx, tx, j.events)
			if err != nil {
				return err
			}
			queued = queued || q
		}
		return nil
	})
	if err == nil && queued {
		s.wakeRelay()
	}
	for _, j := range batch {
		j.err = err
		if err != nil {
			j.events = nil
		}
	}
	return err
}
