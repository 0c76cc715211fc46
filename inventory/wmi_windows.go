package inventory

import (
	"context"
	"fmt"
	"strconv"

	"github.com/go-ole/go-ole"
	"github.com/go-ole/go-ole/oleutil"
)

// wmiRows is what wmiQueryAll returns: each class's instances, and the
// classes that could not be read with why.
type wmiRows struct {
	Rows   map[string][]propSet
	Failed map[string]error
}

// wmiQueryAll reads classes from a WMI namespace through COM (no
// PowerShell), within ctx. A class that fails is in Failed and the others
// are still read.
func wmiQueryAll(ctx context.Context, namespace string, classes []wmiClass) (wmiRows, error) {
	return comRun(ctx, "WMI", func() (wmiRows, error) { return wmiQuerySync(namespace, classes) })
}

// wmiQuerySync does wmiQueryAll's work on comRun's thread.
func wmiQuerySync(namespace string, classes []wmiClass) (wmiRows, error) {
	locator, err := comObject("WbemScripting.SWbemLocator")
	if err != nil {
		return wmiRows{}, fmt.Errorf("the WMI locator (is the WMI service running?): %w", err)
	}
	defer locator.Release()
	svcV, err := oleutil.CallMethod(locator, "ConnectServer", ".", namespace)
	if err != nil {
		return wmiRows{}, fmt.Errorf("connecting to WMI namespace %s: %w", namespace, err)
	}
	defer svcV.Clear()
	svc := svcV.ToIDispatch()
	out := wmiRows{Rows: map[string][]propSet{}, Failed: map[string]error{}}
	for _, c := range classes {
		rows, err := wmiClassRows(svc, c)
		if err != nil {
			out.Failed[c.Name] = err
			continue
		}
		out.Rows[c.Name] = rows
	}
	return out, nil
}

// wmiClassRows reads every instance of one class. A property that this
// Windows's class lacks is left out of the instance's set.
func wmiClassRows(svc *ole.IDispatch, c wmiClass) ([]propSet, error) {
	resV, err := oleutil.CallMethod(svc, "ExecQuery", "SELECT * FROM "+c.Name)
	if err != nil {
		return nil, fmt.Errorf("querying %s: %w", c.Name, err)
	}
	defer resV.Clear()
	res := resV.ToIDispatch()
	countV, err := oleutil.GetProperty(res, "Count")
	if err != nil {
		return nil, fmt.Errorf("counting %s: %w", c.Name, err)
	}
	count := int(countV.Val)
	_ = countV.Clear()
	rows := make([]propSet, 0, count)
	for i := range count {
		itemV, err := oleutil.CallMethod(res, "ItemIndex", i)
		if err != nil {
			return rows, fmt.Errorf("reading %s instance %d: %w", c.Name, i, err)
		}
		ps, err := wmiProps(itemV.ToIDispatch(), c.Props)
		_ = itemV.Clear()
		if err != nil {
			return rows, fmt.Errorf("reading %s instance %d: %w", c.Name, i, err)
		}
		rows = append(rows, ps)
	}
	return rows, nil
}

// wmiProps reads the named properties of one instance through its
// Properties_ set (SWbemPropertySet), which every WMI has; wine's does not
// give properties as IDispatch names of the object itself.
func wmiProps(item *ole.IDispatch, names []string) (propSet, error) {
	setV, err := oleutil.GetProperty(item, "Properties_")
	if err != nil {
		return nil, fmt.Errorf("its properties: %w", err)
	}
	defer setV.Clear()
	set := setV.ToIDispatch()
	ps := propSet{}
	for _, name := range names {
		pV, err := oleutil.CallMethod(set, "Item", name)
		if err != nil {
			continue // not a property of this class on this Windows
		}
		v, err := oleutil.GetProperty(pV.ToIDispatch(), "Value")
		if err == nil {
			if s, ok := variantText(v); ok {
				ps[name] = s
			}
			_ = v.Clear()
		}
		_ = pV.Clear()
	}
	return ps, nil
}

// variantText is a property's value as wmic prints it; false for a null
// or a value that is not a scalar (arrays, objects), which the system
// classes' mapped properties never are.
func variantText(v *ole.VARIANT) (string, bool) {
	switch x := v.Value().(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case bool:
		if x {
			return "TRUE", true
		}
		return "FALSE", true
	case int8, int16, int32, int64, int:
		return fmt.Sprint(x), true
	case uint8, uint16, uint32, uint64, uint, uintptr:
		return fmt.Sprint(x), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}
