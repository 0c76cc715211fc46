package inventory

import (
	"context"
	"errors"
	"fmt"
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
// IUpdateSearcher) for the pending updates, with no PowerShell, within ctx.
func wuaSearch(ctx context.Context) (winUpdates, error) {
	u, err := comRun(ctx, "the Windows Update search", wuaSearchSync)
	if errors.Is(err, errCOMInit) {
		err = fmt.Errorf("%w: %w", errWUAUnavailable, err)
	}
	return u, err
}

// wuaSearchSync does wuaSearch's work on comRun's thread.
func wuaSearchSync() (winUpdates, error) {
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
	err = comEach(updatesV.ToIDispatch(), func(item *ole.VARIANT) error {
		up, err := wuaUpdate(item.ToIDispatch())
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
		err = comEach(kbV.ToIDispatch(), func(v *ole.VARIANT) error {
			if s, ok := variantText(v); ok {
				up.KBArticleIDs = append(up.KBArticleIDs, s)
			}
			return nil
		})
		_ = kbV.Clear()
		if err != nil {
			return up, fmt.Errorf("%q's KB articles: %w", up.Title, err)
		}
	}
	if catV, err := oleutil.GetProperty(item, "Categories"); err == nil {
		err = comEach(catV.ToIDispatch(), func(cat *ole.VARIANT) error {
			if n, err := oleutil.GetProperty(cat.ToIDispatch(), "Name"); err == nil {
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
