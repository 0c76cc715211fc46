package inventory

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/go-ole/go-ole"
	"github.com/go-ole/go-ole/oleutil"
)

// errWUAUnavailable: the Windows Update Agent's COM objects could not be
// made in this process (COM, or the agent's registration, is broken).
var errWUAUnavailable = errors.New("the Windows Update Agent's COM API is unavailable")

// wuaCriteria is the search Windows Update's own "check for updates"
// makes: applicable updates neither installed nor hidden.
const wuaCriteria = "IsInstalled=0 and IsHidden=0"

// wuaSearch asks the Windows Update Agent's COM API (IUpdateSession,
// IUpdateSearcher) for the pending updates, with no PowerShell, within
// ctx. A search cannot be cancelled: when ctx ends first, it is left to
// finish on its own and its answer is dropped.
func wuaSearch(ctx context.Context) (winUpdates, error) {
	type answer struct {
		u   winUpdates
		err error
	}
	done := make(chan answer, 1)
	go func() {
		u, err := wuaSearchSync()
		done <- answer{u, err}
	}()
	select {
	case a := <-done:
		return a.u, a.err
	case <-ctx.Done():
		return winUpdates{}, fmt.Errorf("the Windows Update search did not finish in time: %w", ctx.Err())
	}
}

func wuaSearchSync() (winUpdates, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := ole.CoInitializeEx(0, ole.COINIT_MULTITHREADED); err != nil {
		var oe *ole.OleError
		if !errors.As(err, &oe) || oe.Code() != sFalse {
			return winUpdates{}, fmt.Errorf("%w: starting COM: %w", errWUAUnavailable, err)
		}
	}
	defer ole.CoUninitialize()
	session, err := comObject("Microsoft.Update.Session")
	if err != nil {
		return winUpdates{}, fmt.Errorf("%w: %w", errWUAUnavailable, err)
	}
	defer session.Release()
	searcherV, err := oleutil.CallMethod(session, "CreateUpdateSearcher")
	if err != nil {
		return winUpdates{}, fmt.Errorf("creating the update searcher: %w", err)
	}
	defer searcherV.Clear()
	resultV, err := oleutil.CallMethod(searcherV.ToIDispatch(), "Search", wuaCriteria)
	if err != nil {
		return winUpdates{}, fmt.Errorf("searching %q: %w", wuaCriteria, err)
	}
	defer resultV.Clear()
	updatesV, err := oleutil.GetProperty(resultV.ToIDispatch(), "Updates")
	if err != nil {
		return winUpdates{}, fmt.Errorf("the search's updates: %w", err)
	}
	defer updatesV.Clear()
	var u winUpdates
	err = comEach(updatesV.ToIDispatch(), func(item *ole.IDispatch) error {
		up, err := wuaUpdate(item)
		if err != nil {
			return err
		}
		u.Updates = append(u.Updates, up)
		return nil
	})
	if err != nil {
		return u, fmt.Errorf("reading the updates found: %w", err)
	}
	u.LastSearchSuccessDate = psTime{lastSearchSuccess()}
	return u, nil
}

// wuaUpdate reads one IUpdate.
func wuaUpdate(item *ole.IDispatch) (winUpdate, error) {
	var up winUpdate
	str := func(name string) string {
		v, err := oleutil.GetProperty(item, name)
		if err != nil {
			return ""
		}
		defer v.Clear()
		s, _ := variantText(v)
		return s
	}
	up.Title, up.MsrcSeverity = str("Title"), str("MsrcSeverity")
	up.RebootRequired, up.IsDownloaded = str("RebootRequired") == "TRUE", str("IsDownloaded") == "TRUE"
	if t := str("Type"); t == "2" {
		up.Type = 2
	} else {
		up.Type = 1
	}
	if kbV, err := oleutil.GetProperty(item, "KBArticleIDs"); err == nil {
		err = comEach(kbV.ToIDispatch(), nil, func(v *ole.VARIANT) {
			if s, ok := variantText(v); ok {
				up.KBArticleIDs = append(up.KBArticleIDs, s)
			}
		})
		_ = kbV.Clear()
		if err != nil {
			return up, fmt.Errorf("%q's KB articles: %w", up.Title, err)
		}
	}
	if catV, err := oleutil.GetProperty(item, "Categories"); err == nil {
		err = comEach(catV.ToIDispatch(), func(cat *ole.IDispatch) error {
			if n, err := oleutil.GetProperty(cat, "Name"); err == nil {
				if s, ok := variantText(n); ok {
					up.Categories = append(up.Categories, s)
				}
				_ = n.Clear()
			}
			return nil
		})
		_ = catV.Clear()
		if err != nil {
			return up, fmt.Errorf("%q's categories: %w", up.Title, err)
		}
	}
	return up, nil
}

// lastSearchSuccess is when Windows Update last searched successfully on
// its own (Microsoft.Update.AutoUpdate); zero when it cannot say.
func lastSearchSuccess() time.Time {
	au, err := comObject("Microsoft.Update.AutoUpdate")
	if err != nil {
		return time.Time{}
	}
	defer au.Release()
	resV, err := oleutil.GetProperty(au, "Results")
	if err != nil {
		return time.Time{}
	}
	defer resV.Clear()
	dV, err := oleutil.GetProperty(resV.ToIDispatch(), "LastSearchSuccessDate")
	if err != nil {
		return time.Time{}
	}
	defer dV.Clear()
	if t, ok := dV.Value().(time.Time); ok {
		return t.UTC()
	}
	return time.Time{}
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

// comEach walks a COM collection (Count and Item(i)): each item is an
// object for object, or a value for value.
func comEach(coll *ole.IDispatch, object func(*ole.IDispatch) error, value ...func(*ole.VARIANT)) error {
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
		if object != nil {
			err = object(itemV.ToIDispatch())
		}
		for _, f := range value {
			f(itemV)
		}
		_ = itemV.Clear()
		if err != nil {
			return err
		}
	}
	return nil
}
