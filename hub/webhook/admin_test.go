package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAdminHandler(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	recv := newReceiver(t, 500)
	d, _, _ := setup(t, clk, Options{MaxAge: time.Minute, Backoff: func(int) time.Duration { return time.Hour }})
	api := httptest.NewServer(AdminHandler(d, nil))
	defer api.Close()
	call := func(method, path string, body any, out any) int {
		t.Helper()
		var b bytes.Buffer
		if body != nil {
			if err := json.NewEncoder(&b).Encode(body); err != nil {
				t.Fatal(err)
			}
		}
		req, err := http.NewRequest(method, api.URL+path, &b)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
		return resp.StatusCode
	}
	var ep Endpoint
	if code := call("POST", AdminPath, AddRequest{Tenant: "acme", URL: recv.URL, Events: []string{"ticket.*"}}, &ep); code != http.StatusCreated || ep.Secret == "" {
		t.Fatalf("add: %d %+v", code, ep)
	}
	if code := call("POST", AdminPath, AddRequest{Tenant: "acme", URL: "not a url"}, nil); code != http.StatusBadRequest {
		t.Errorf("add a bad URL: %d, want 400", code)
	}
	if code := call("POST", AdminPath, AddRequest{Tenant: "acme", URL: recv.URL, Description: strings.Repeat("x", maxAdminBody)}, nil); code != http.StatusRequestEntityTooLarge {
		t.Errorf("add with a body over the limit: %d, want 413", code)
	}
	var listed []Listed
	if code := call("GET", AdminPath+"?tenant=acme", nil, &listed); code != http.StatusOK || len(listed) != 1 || listed[0].Secret != "" || listed[0].URL != recv.URL {
		t.Errorf("list: %d %+v (the secret must not be listed)", code, listed)
	}
	if code := call("POST", AdminPath+"/"+ep.ID+"/ping?tenant=acme", nil, nil); code != http.StatusAccepted {
		t.Errorf("ping: %d", code)
	}
	if _, err := d.RunDue(context.Background()); err != nil { // 500, and the next try is past MaxAge: dead
		t.Fatal(err)
	}
	var dead []Delivery
	if code := call("GET", AdminPath+"/dead?tenant=acme", nil, &dead); code != http.StatusOK || len(dead) != 1 {
		t.Fatalf("dead: %d %+v", code, dead)
	}
	if code := call("POST", AdminPath+"/dead/"+dead[0].ID+"/retry", nil, nil); code != http.StatusAccepted {
		t.Errorf("retry: %d", code)
	}
	if depth, _ := d.Depth(context.Background()); depth != 1 {
		t.Errorf("depth after retry %d, want 1", depth)
	}
	if code := call("DELETE", AdminPath+"/"+ep.ID+"?tenant=acme", nil, nil); code != http.StatusNoContent {
		t.Errorf("remove: %d", code)
	}
	if code := call("DELETE", AdminPath+"/"+ep.ID+"?tenant=acme", nil, nil); code != http.StatusNotFound {
		t.Errorf("remove again: %d, want 404", code)
	}
}
