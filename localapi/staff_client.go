package localapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"tandem/msp"
)

// SignIn signs the caller's OS user in with a code from `tandem-hub user
// add`; the agent then keeps a replica of the person's scope.
func (c *Client) SignIn(ctx context.Context, code string) (StaffSession, error) {
	var s StaffSession
	err := c.do(ctx, http.MethodPost, "/v1/staff/sign-in", SignInRequest{Code: code}, &s)
	return s, err
}

// SignOut removes the caller's staff credential and replicated data.
func (c *Client) SignOut(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/staff/sign-out", struct{}{}, nil)
}

// Session returns who is signed in for the caller; an *APIError with
// Status 404 when nobody is.
func (c *Client) Session(ctx context.Context) (StaffSession, error) {
	var s StaffSession
	err := c.do(ctx, http.MethodGet, "/v1/staff/session", nil, &s)
	return s, err
}

// Values returns q as URL query parameters.
func (q TicketQuery) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Q)
	set("status", q.Status)
	set("owner", q.Owner)
	set("pillar", q.Pillar)
	set("tenant", q.Tenant)
	set("assignee", q.Assignee)
	set("sort", q.Sort)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	return v
}

// StaffTickets returns one page of the tickets in the caller's scope.
func (c *Client) StaffTickets(ctx context.Context, q TicketQuery) (TicketPage, error) {
	var p TicketPage
	path := "/v1/staff/tickets"
	if v := q.Values().Encode(); v != "" {
		path += "?" + v
	}
	err := c.do(ctx, http.MethodGet, path, nil, &p)
	return p, err
}

// StaffTicket returns one ticket of the caller's scope.
func (c *Client) StaffTicket(ctx context.Context, id string) (StaffTicket, error) {
	var t StaffTicket
	err := c.do(ctx, http.MethodGet, "/v1/staff/tickets/"+url.PathEscape(id), nil, &t)
	return t, err
}

// StaffChange applies a change (comment, internal note, assign, escalate,
// status, reprioritise, edit) and queues it for the hub with the caller's
// credential. ch.ID, ch.TicketID and ch.At may be left empty.
func (c *Client) StaffChange(ctx context.Context, id string, ch msp.Change) (StaffTicket, error) {
	var t StaffTicket
	err := c.do(ctx, http.MethodPost, "/v1/staff/tickets/"+url.PathEscape(id)+"/changes", ch, &t)
	return t, err
}

// StaffAttachment returns the bytes of file att (msp.Attachment.ID)
// attached to ticket id: kept on this computer once fetched, so they open
// offline; offline before that it fails with an *APIError of status 503.
func (c *Client) StaffAttachment(ctx context.Context, id, att string) ([]byte, error) {
	return c.getRaw(ctx, "/v1/staff/tickets/"+url.PathEscape(id)+"/attachments/"+url.PathEscape(att), msp.MaxAttachmentBytes+1)
}

// Overview returns the dashboard overview of one tenant ("" for the whole
// scope).
func (c *Client) Overview(ctx context.Context, tenant string) (Overview, error) {
	var o Overview
	path := "/v1/staff/overview"
	if tenant != "" {
		path += "?" + url.Values{"tenant": {tenant}}.Encode()
	}
	err := c.do(ctx, http.MethodGet, path, nil, &o)
	return o, err
}

// StaffDevices returns the devices of one tenant ("" for the whole scope)
// whose hostname, OS or id contains q.
func (c *Client) StaffDevices(ctx context.Context, tenant, q string) ([]DeviceRow, error) {
	var d []DeviceRow
	v := url.Values{}
	if tenant != "" {
		v.Set("tenant", tenant)
	}
	if q != "" {
		v.Set("q", q)
	}
	path := "/v1/staff/devices"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	err := c.do(ctx, http.MethodGet, path, nil, &d)
	return d, err
}

// StaffDevice returns one device with its full inventory.
func (c *Client) StaffDevice(ctx context.Context, id string) (DeviceDetail, error) {
	var d DeviceDetail
	err := c.do(ctx, http.MethodGet, "/v1/staff/devices/"+url.PathEscape(id), nil, &d)
	return d, err
}

// StaffAssignees returns who may be assigned the tickets of tenant ("" for
// the only one), from the replica.
func (c *Client) StaffAssignees(ctx context.Context, tenant string) ([]Assignee, error) {
	var out []Assignee
	path := "/v1/staff/assignees"
	if tenant != "" {
		path += "?tenant=" + url.QueryEscape(tenant)
	}
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out, err
}
