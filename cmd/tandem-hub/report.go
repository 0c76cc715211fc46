package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"tandem/hub"
	"tandem/hub/report"
	"tandem/internal/atomicfile"
	"tandem/localdb"
)

// reportCmd writes a tenant's monthly report as HTML and/or PDF. It asks
// the running hub (GET /v1/admin/report); when no hub runs, it reads the
// store in DIR/store itself (badger lets one process in, so this works
// only while the hub is stopped).
func reportCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("report")
	data := fs.String("data", envOr("TANDEM_HUB_DATA", ""), "the hub's data directory")
	hubURL := fs.String("hub", "", "the hub's URL (default: from DIR/hub.json)")
	tenant := fs.String("tenant", "", "tenant id")
	month := fs.String("month", time.Now().Format("2006-01"), "the month, YYYY-MM")
	htmlPath := fs.String("html", "", "write the HTML report to this file")
	pdfPath := fs.String("pdf", "", "write the PDF report (one A4 page) to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *data == "" || *tenant == "" {
		return usageError{"report: --data DIR and --tenant ID are required"}
	}
	if *htmlPath == "" && *pdfPath == "" {
		return usageError{"report: give --html FILE, --pdf FILE or both"}
	}
	if _, err := report.ParseMonth(*month); err != nil {
		return usageError{"report: " + err.Error()}
	}
	rep, err := reportViaHub(ctx, *data, *hubURL, *tenant, *month)
	if err != nil {
		var err2 error
		rep, err2 = reportViaStore(ctx, *data, *tenant, *month)
		if err2 != nil {
			return fmt.Errorf("asking the hub: %v; reading its store directly: %w", err, err2)
		}
	}
	if *htmlPath != "" {
		var b bytes.Buffer
		if err := report.WriteHTML(&b, rep); err != nil {
			return err
		}
		if err := atomicfile.Write(*htmlPath, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("saving the HTML report: %w", err)
		}
		fmt.Fprintln(stdout, "wrote", *htmlPath)
	}
	if *pdfPath != "" {
		var b bytes.Buffer
		if err := report.WritePDF(&b, rep); err != nil {
			return err
		}
		if err := atomicfile.Write(*pdfPath, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("saving the PDF report: %w", err)
		}
		fmt.Fprintln(stdout, "wrote", *pdfPath)
	}
	fmt.Fprintf(stdout, "%s, %s: first response on time %s, %d tickets, %d devices, billing %s\n",
		rep.TenantName, rep.Month, rep.SLAOverall.PercentText(), rep.Opened, rep.Devices, rep.BillingText())
	return nil
}

func reportViaHub(ctx context.Context, data, hubURL, tenant, month string) (*report.Report, error) {
	c, err := hub.DialAdmin(data, hubURL)
	if err != nil {
		return nil, err
	}
	return c.Report(ctx, tenant, month)
}

func reportViaStore(ctx context.Context, data, tenant, month string) (*report.Report, error) {
	dir := filepath.Join(data, "store")
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("no hub store in %s: %w", data, err)
	}
	st, err := hub.OpenBadgerStore(ctx, dir, localdb.Options{Profile: localdb.Server})
	if errors.Is(err, localdb.ErrLocked) {
		return nil, fmt.Errorf("the hub is running and holds its store, but did not serve the report (update the hub): %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the hub's store: %w", err)
	}
	defer st.Close()
	m, err := report.ParseMonth(month)
	if err != nil {
		return nil, err
	}
	return hub.BuildReport(ctx, st, tenant, m, time.Now())
}
