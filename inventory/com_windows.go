package inventory

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/go-ole/go-ole"
	"github.com/go-ole/go-ole/oleutil"
)

// errCOMInit: COM could not be started on the query's thread.
var errCOMInit = errors.New("starting COM")

// sFalse is S_FALSE: COM was already initialised on this thread.
const sFalse = 1

// comRun runs f on one locked OS thread with COM initialised, as COM
// requires, within ctx; what names the work in the timeout error. A COM
// call cannot be cancelled: when ctx ends first, f is left to finish on its
// own and its answer is dropped.
func comRun[T any](ctx context.Context, what string, f func() (T, error)) (T, error) {
	type answer struct {
		v   T
		err error
	}
	done := make(chan answer, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := ole.CoInitializeEx(0, ole.COINIT_MULTITHREADED); err != nil {
			var oe *ole.OleError
			if !errors.As(err, &oe) || oe.Code() != sFalse {
				var zero T
				done <- answer{zero, fmt.Errorf("%w: %w", errCOMInit, err)}
				return
			}
		}
		defer ole.CoUninitialize()
		v, err := f()
		done <- answer{v, err}
	}()
	select {
	case a := <-done:
		return a.v, a.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("%s did not answer in time: %w", what, ctx.Err())
	}
}

// comObject creates a COM object by its ProgID and gives its IDispatch.
func comObject(progID string) (*ole.IDispatch, error) {
	unknown, err := oleutil.CreateObject(progID)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", progID, err)
	}
	defer unknown.Release()
	d, err := unknown.QueryInterface(ole.IID_IDispatch)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", progID, err)
	}
	return d, nil
}

// comEach walks a COM collection (Count, then Item(i) for each); the item
// is cleared after f.
func comEach(coll *ole.IDispatch, f func(item *ole.VARIANT) error) error {
	countV, err := oleutil.GetProperty(coll, "Count")
	if err != nil {
		return fmt.Errorf("counting: %w", err)
	}
	n := int(countV.Val)
	_ = countV.Clear()
	for i := range n {
		itemV, err := oleutil.GetProperty(coll, "Item", i)
		if err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
		err = f(itemV)
		_ = itemV.Clear()
		if err != nil {
			return err
		}
	}
	return nil
}
