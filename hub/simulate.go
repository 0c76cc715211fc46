package hub

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// Bounds of a simulation, so a typo cannot flood a hub.
const (
	MaxSimDevices  = 2000
	MaxSimDuration = 24 * time.Hour
)

// SimConfig drives Simulate.
type SimConfig struct {
	Tenant   string
	Devices  int
	Duration time.Duration
	// Tick is how often each simulated agent checks in and pulls
	// (default 5s); one in twenty ticks also raises or comments on a ticket.
	Tick time.Duration
}

// SimResult counts what a simulation did.
type SimResult struct {
	Devices   int           `json:"devices"`
	Pushes    int64         `json:"pushes"`
	Mutations int64         `json:"mutations"`
	Tickets   int64         `json:"tickets"`
	Pulls     int64         `json:"pulls"`
	Errors    int64         `json:"errors"`
	Elapsed   time.Duration `json:"elapsed"`
}

// Simulate enrolls cfg.Devices simulated agents into the tenant over the
// real API and runs them for cfg.Duration: check-ins, an inventory each,
// tickets and replies, pulls. It stops by itself.
func Simulate(ctx context.Context, admin *AdminClient, caPEM []byte, cfg SimConfig) (SimResult, error) {
	if cfg.Devices < 1 || cfg.Devices > MaxSimDevices {
		return SimResult{}, fmt.Errorf("devices: give 1 to %d", MaxSimDevices)
	}
	if cfg.Duration <= 0 || cfg.Duration > MaxSimDuration {
		return SimResult{}, fmt.Errorf("duration: give up to %s", MaxSimDuration)
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 5 * time.Second
	}
	if err := simSeed(ctx, admin, cfg); err != nil {
		return SimResult{}, err
	}
	tmp, err := os.MkdirTemp("", "tandem-simulate-")
	if err != nil {
		return SimResult{}, fmt.Errorf("making a scratch directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	start := time.Now()
	var res SimResult
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for i := range cfg.Devices {
		tok, err := admin.CreateToken(ctx, cfg.Tenant, time.Hour)
		if err != nil {
			return res, fmt.Errorf("creating an enrollment token: %w", err)
		}
		dir, err := os.MkdirTemp(tmp, "agent-")
		if err != nil {
			return res, fmt.Errorf("making a scratch directory: %w", err)
		}
		id, err := client.Enroll(ctx, dir, client.EnrollOptions{
			HubURL: admin.URL, Token: tok.Token, CAPEM: caPEM,
			Hostname: fmt.Sprintf("sim-%04d", i+1), OS: simOS[i%len(simOS)].Summary(),
		})
		if err != nil {
			return res, fmt.Errorf("enrolling simulated device %d: %w", i+1, err)
		}
		res.Devices++
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := simAgent(ctx, id, i, cfg.Tick, &res); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				firstErr.CompareAndSwap(nil, err)
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start).Round(time.Millisecond)
	if e, ok := firstErr.Load().(error); ok {
		return res, e
	}
	return res, nil
}

// SimPrice is the service the simulation's tenant is sold when it has no
// price yet: R450 per user per month excl. VAT, on a 12-month contract.
var SimPrice = msp.Money{Minor: 45000, Currency: "ZAR"}

// simSeed gives the tenant the simulation's price and contract, if it has
// no price, and one person per simulated device (user N on sim-000N), so
// that their tickets name people and the bill counts seats. It is
// idempotent: people already there are updated by their e-mail address.
func simSeed(ctx context.Context, admin *AdminClient, cfg SimConfig) error {
	t, err := admin.Tenant(ctx, cfg.Tenant)
	if err != nil {
		return fmt.Errorf("reading the tenant: %w", err)
	}
	if t.PricePerUser.Minor == 0 {
		t.PricePerUser = SimPrice
		t.Billing = msp.Billing{Basis: msp.BillSeats, ContractMonths: 12, ContractStart: time.Now().Format("2006-01") + "-01"}
		if _, err := admin.UpdateTenant(ctx, t); err != nil {
			return fmt.Errorf("setting the tenant's price: %w", err)
		}
	}
	people := make([]PersonInput, cfg.Devices)
	for i := range people {
		first, last := simFirst[i%len(simFirst)], simLast[(i/len(simFirst)+i)%len(simLast)]
		people[i] = PersonInput{
			Name:     fmt.Sprintf("%s %s", first, last),
			Email:    fmt.Sprintf("user%d@%s", i+1, "sim.example"),
			Phone:    fmt.Sprintf("+27 82 555 %04d", i+1),
			Accounts: []msp.PersonAccount{{Device: fmt.Sprintf("sim-%04d", i+1), Account: fmt.Sprintf("user%d", i+1)}},
		}
	}
	if _, err := admin.AddPeople(ctx, cfg.Tenant, people, true); err != nil {
		return fmt.Errorf("adding the simulated people: %w", err)
	}
	return nil
}

var (
	simFirst = []string{"Thandi", "Sipho", "Lerato", "Pieter", "Aisha", "Johan", "Naledi", "Kagiso", "Zanele", "Ruan", "Priya", "Themba"}
	simLast  = []string{"Nkosi", "Dlamini", "Mokoena", "van der Merwe", "Naidoo", "Botha", "Khumalo", "Pillay", "Mahlangu", "Smith", "Fourie"}
)

var simOS = []msp.OSInfo{
	{Name: "Windows 11 Pro", Version: "23H2", ID: "windows", Kernel: "10.0.22631"},
	{Name: "Windows 10 Pro", Version: "22H2", ID: "windows", Kernel: "10.0.19045"},
	{Name: "Ubuntu", Version: "24.04", ID: "ubuntu", Kernel: "6.8.0-49-generic"},
	{Name: "macOS", Version: "15.1", ID: "darwin", Kernel: "24.1.0"},
}

var simProblems = []struct {
	title, body string
	pillar      msp.Pillar
}{
	{"Outlook keeps asking for my password", "Since this morning Outlook pops up a sign-in box every few minutes.", msp.PillarMicrosoft365},
	{"Printer on the first floor shows offline", "Nobody on the first floor can print to the big Ricoh.", msp.PillarHelpdesk},
	{"Wi-Fi drops in the boardroom", "The connection keeps dropping during video calls in the boardroom.", msp.PillarNetwork},
	{"Cannot open the shared finance folder", "I get access denied on the finance share since yesterday.", msp.PillarBackup},
	{"Suspicious email asking for bank details", "I received an email that looks like it is from our CEO asking to pay a supplier.", msp.PillarSecurity},
}

func simAgent(ctx context.Context, id *client.Identity, n int, tick time.Duration, res *SimResult) error {
	conn, err := id.Conn(client.ConnOptions{RetryMax: 2, RetryWaitMin: 100 * time.Millisecond, RetryWaitMax: 2 * time.Second})
	if err != nil {
		return err
	}
	defer conn.Close()
	rng := rand.New(rand.NewPCG(uint64(n), 42))
	var seq, cursor uint64
	var mine []string
	user := fmt.Sprintf("user%d", n+1)
	next := func(m protocol.Mutation) protocol.Mutation { seq++; m.Seq = seq; return m }

	inv := simInventory(n, rng)
	batch := []protocol.Mutation{next(protocol.Mutation{Kind: protocol.KindInventory, Inventory: &inv})}
	timer := time.NewTimer(time.Duration(rng.Int64N(int64(tick))))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		// A round that started finishes after the simulation's deadline,
		// so that what it counts is what the hub holds.
		round, cancelRound := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		now := time.Now().UTC()
		batch = append(batch, next(protocol.Mutation{Kind: protocol.KindCheckIn, CheckIn: &protocol.CheckIn{At: now, AgentVersion: "simulated"}}))
		if rng.IntN(20) == 0 {
			if len(mine) == 0 || rng.IntN(2) == 0 {
				p := simProblems[rng.IntN(len(simProblems))]
				cat := msp.Pillars()[0].Categories[0].ID
				for _, info := range msp.Pillars() {
					if info.ID == p.pillar {
						cat = info.Categories[0].ID
					}
				}
				t := &msp.Ticket{ID: msp.NewTicketID(), Title: p.title, Description: p.body, Pillar: p.pillar, Category: cat,
					Impact: msp.Levels()[rng.IntN(3)], Urgency: msp.Levels()[rng.IntN(3)], CreatedAt: now}
				batch = append(batch, next(protocol.Mutation{Kind: protocol.KindTicket, User: user,
					Change: &msp.Change{ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: t.ID, Ticket: t, At: now}}))
				mine = append(mine, t.ID)
			} else {
				tid := mine[rng.IntN(len(mine))]
				batch = append(batch, next(protocol.Mutation{Kind: protocol.KindTicket, User: user,
					Change: &msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: tid, At: now,
						Comment: &msp.Comment{ID: msp.NewID(), Body: "Any news on this? It is still happening."}}}))
			}
		}
		resp, err := conn.Push(round, batch)
		if err != nil {
			atomic.AddInt64(&res.Errors, 1)
		} else {
			atomic.AddInt64(&res.Pushes, 1)
			kept := batch[:0]
			for _, m := range batch {
				if m.Seq > resp.HighWater {
					kept = append(kept, m)
				} else {
					atomic.AddInt64(&res.Mutations, 1)
					if m.Kind == protocol.KindTicket && m.Change.Kind == msp.ChangeCreate {
						atomic.AddInt64(&res.Tickets, 1) // counted once the hub has it
					}
				}
			}
			batch = kept
		}
		page, err := conn.Pull(round, cursor, protocol.DefaultPullLimit)
		cancelRound()
		if err != nil {
			atomic.AddInt64(&res.Errors, 1)
		} else {
			cursor = page.Cursor
			atomic.AddInt64(&res.Pulls, 1)
		}
		timer.Reset(tick/2 + time.Duration(rng.Int64N(int64(tick))))
	}
}

func simInventory(n int, rng *rand.Rand) msp.Inventory {
	now := time.Now().UTC()
	inv := msp.Inventory{
		Hostname: fmt.Sprintf("sim-%04d", n+1), OS: simOS[n%len(simOS)],
		BootTime: now.Add(-time.Duration(rng.IntN(240)) * time.Hour),
		CPU:      msp.CPU{Model: "Intel(R) Core(TM) i5-1235U", Cores: 12},
		Memory:   msp.Memory{TotalBytes: 16 << 30},
		Disks: []msp.Disk{{Mount: "C:\\", FS: "NTFS", TotalBytes: 512 << 30,
			FreeBytes: uint64(rng.Int64N(400<<30) + 5<<30), Encrypted: rng.IntN(5) > 0}},
		Network:     []msp.NetInterface{{Name: "Wi-Fi", MAC: fmt.Sprintf("02:00:00:00:%02x:%02x", n/256%256, n%256), Addresses: []string{fmt.Sprintf("10.0.%d.%d/16", n/250, n%250+2)}, Up: true}},
		Software:    []msp.Software{{Name: "Microsoft 365 Apps for business", Version: "16.0.17928"}, {Name: "Google Chrome", Version: "131.0.6778.86"}},
		CollectedAt: now,
	}
	if rng.IntN(3) == 0 {
		inv.Patches.Pending = []msp.Patch{{Name: "2024-11 Cumulative Update (KB5046617)", CandidateVersion: "KB5046617", Security: true}}
		inv.Patches.RebootRequired = rng.IntN(2) == 0
	}
	inv.Patches.LastChecked = now
	state := func(okOneIn int, evidence string) msp.Check {
		if rng.IntN(okOneIn) == 0 {
			return msp.Check{State: msp.CheckFailing, Evidence: evidence + ": off"}
		}
		return msp.Check{State: msp.CheckOK, Evidence: evidence + ": on"}
	}
	inv.Posture = msp.Posture{
		Firewall:         state(10, "Windows Firewall, domain profile"),
		DiskEncryption:   state(5, "BitLocker on drive C"),
		AutomaticUpdates: state(8, "Windows Update automatic updates"),
		Antivirus:        state(20, "Microsoft Defender real-time protection"),
	}
	return inv
}
