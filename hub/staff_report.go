package hub

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"tandem/hub/report"
	"tandem/sync/protocol"
)

// PathStaffReport is the monthly service report for a signed-in IT lead
// or technician (issue 6, the dashboard's Service tab):
//
//	GET /v1/staff/report?tenant=ID&month=YYYY-MM             → report.Report (JSON)
//	GET /v1/staff/report?tenant=ID&month=YYYY-MM&format=pdf  → the report as a PDF
//
// It is the report the operator gets from PathAdminReport, limited to the
// person's scope; ?tenant may be left out by a person with one
// organisation.
const PathStaffReport = "/v1/staff/report"

func (s *Server) staffReportRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+PathStaffReport, s.syncClient(s.staffOnly(s.staffReport)))
}

// staffReport serves PathStaffReport.
func (s *Server) staffReport(w http.ResponseWriter, r *http.Request, p principal) {
	q := r.URL.Query()
	format := q.Get("format")
	if format != "" && format != "json" && format != "pdf" {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid,
			Message: fmt.Sprintf("format %q: use json (the default) or pdf", format)})
		return
	}
	month, err := report.ParseMonth(q.Get("month"))
	if err != nil {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: err.Error()})
		return
	}
	rep, err := BuildReport(r.Context(), s.store, p.tenant, month, s.now())
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no organisation " + p.tenant + " in your scope"})
		return
	case errors.Is(err, report.ErrInput):
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: err.Error()})
		return
	case err != nil:
		s.internal(w, r, "building a report", err)
		return
	}
	if format != "pdf" {
		writeJSON(w, http.StatusOK, rep)
		return
	}
	var buf bytes.Buffer
	if err := report.WritePDF(&buf, rep); err != nil {
		s.internal(w, r, "rendering a report as PDF", err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "service-report-"+q.Get("month")+".pdf"))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(buf.Bytes()); err != nil {
		s.log.Debug("sending a report PDF", "err", err)
	}
}
