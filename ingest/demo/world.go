// Package demo generates a realistic synthetic world — partners, their
// customers, UCM clusters with users and devices — and streams it to Kafka
// as the event contracts describe, so a fresh `make run` shows live data.
// The world is deterministic for a seed: the same seed gives the same
// partners, customers, users and daily changes.
package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Config sizes the world.
type Config struct {
	Seed                uint64
	Partners            int
	CustomersPerPartner int // on average; partners differ in size
	MaxClusters         int // per customer, at least 1
	MinUsers, MaxUsers  int // per cluster
}

// DefaultConfig is the world of `make run`: four partners with about three
// hundred customers between them.
func DefaultConfig() Config {
	return Config{Seed: 20261124, Partners: 4, CustomersPerPartner: 75, MaxClusters: 3, MinUsers: 8, MaxUsers: 120}
}

// World is every partner, customer and cluster.
type World struct {
	Partners  []*Partner
	Customers []*Customer
	Clusters  []*Cluster
	nextSync  int // the next cluster to re-sync at a tick
}

// Partner resells to customers.
type Partner struct {
	ID, Name string
}

// Customer is one organisation of a partner.
type Customer struct {
	ID, Name string
	Partner  *Partner
	Clusters []*Cluster
	// Growth is how many users the customer gains (or, negative, loses)
	// per 30 days, as a share of its size.
	Growth float64

	// The commercial side (commerce.go), set up at the seed.
	AddedAt            time.Time
	ManagedBy          string // partner or external
	Products           []string
	ProvisioningStatus string
	Subscriptions      []*Subscription
}

// Cluster is one UCM cluster of a customer.
type Cluster struct {
	ID, Name, Region, Version, Publisher string
	Customer                             *Customer
	Users                                []*User
	Shared                               []*Device // devices with no user: conference rooms, hallways, lobbies
	nextUser                             int
}

// User is an end user as UCM knows them.
type User struct {
	ID                         string
	DirectoryNumber            string
	EnterpriseDirectoryProfile bool
	SNR, ExtensionMobility     bool
	Voicemail                  bool
	MobileUC, TabletUC         bool
	Devices                    []*Device
	// Joined and Left bound the days (relative to the world's epoch) the
	// user exists; Left 0 means still there.
	Joined, Left int
}

// Device is a phone, client or room system.
type Device struct {
	ID, Type, Location string
	TelePresence       bool
}

var (
	partnerNames = []string{"Acme Connect", "NordCloud Partners", "Lowlands Unified", "Rhine Telecom Services", "Polder IT", "Orange Peak Collaboration"}
	regions      = []string{"eu-west-ams", "eu-central-fra", "eu-west-lon", "us-east-nyc", "ap-southeast-sgp"}
	versions     = []string{"12.5.1", "14.0.1", "15.0.1"}
	namePrefix   = []string{"Van Dijk", "De Boer", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters",
		"Hendriks", "Dekker", "Brouwer", "Jansen", "Willems", "Schouten", "Kramer", "Verbeek", "Maas", "Post",
		"Noord", "Zuid", "Delta", "Kempen", "Veluwe", "Amstel", "IJssel", "Waal", "Linge", "Dommel"}
	nameKind = []string{"Logistiek", "Bouw", "Zorggroep", "Advocaten", "Accountants", "Techniek", "Transport", "Retail",
		"Verzekeringen", "Energie", "Media", "Onderwijs", "Gemeente", "Installatietechniek", "Food", "Pharma"}
	nameForm = []string{"B.V.", "N.V.", "Groep", "& Partners", "Holding", ""}
)

// Generate builds the world for cfg.
func Generate(cfg Config) *World {
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	w := &World{}
	usedNames := map[string]bool{}
	for p := 0; p < cfg.Partners; p++ {
		name := partnerNames[p%len(partnerNames)]
		pt := &Partner{ID: "p-" + slug(name), Name: name}
		w.Partners = append(w.Partners, pt)
		// Partners differ in size: from half to one and a half the average.
		n := cfg.CustomersPerPartner/2 + rng.IntN(cfg.CustomersPerPartner+1)
		for c := 0; c < n; c++ {
			cu := &Customer{Partner: pt, Growth: rng.NormFloat64() * 0.05}
			for {
				cu.Name = strings.TrimSpace(fmt.Sprintf("%s %s %s", pick(rng, namePrefix), pick(rng, nameKind), pick(rng, nameForm)))
				if !usedNames[cu.Name] {
					usedNames[cu.Name] = true
					break
				}
			}
			cu.ID = fmt.Sprintf("c-%s-%04d", strings.TrimPrefix(pt.ID, "p-"), c+1)
			w.Customers = append(w.Customers, cu)
			clusters := 1 + rng.IntN(cfg.MaxClusters)
			region := pick(rng, regions)
			for k := 0; k < clusters; k++ {
				cl := &Cluster{
					ID:       fmt.Sprintf("cl-%s-%c", strings.TrimPrefix(cu.ID, "c-"), 'a'+k),
					Name:     fmt.Sprintf("%s-UCM-%02d", strings.ToUpper(region[len(region)-3:]), k+1),
					Region:   region,
					Version:  pick(rng, versions),
					Customer: cu,
				}
				cl.Publisher = fmt.Sprintf("ucm-pub-%02d.%s.example", k+1, strings.TrimPrefix(cu.ID, "c-"))
				users := cfg.MinUsers + rng.IntN(cfg.MaxUsers-cfg.MinUsers+1)
				for u := 0; u < users; u++ {
					cl.addUser(rng, 0)
				}
				rooms := 1 + users/12
				for r := 0; r < rooms; r++ {
					cl.Shared = append(cl.Shared, sharedDevice(rng, cl, r))
				}
				cu.Clusters = append(cu.Clusters, cl)
				w.Clusters = append(w.Clusters, cl)
				// Later clusters of a customer may sit in another data centre.
				if rng.IntN(4) == 0 {
					region = pick(rng, regions)
				}
			}
		}
	}
	return w
}

// addUser creates a user with a realistic mix of services:
//
//	62% desk phone, directory number, directory profile and voicemail
//	12% one device with a directory number but no voicemail
//	 8% mobile or tablet UC client on the directory profile, no desk phone
//	 6% extension mobility with a profile, no phone of their own
//	 4% several devices (softphone, mobile, video), some of them many
//	 8% provisioned but with no service at all
func (cl *Cluster) addUser(rng *rand.Rand, day int) *User {
	cl.nextUser++
	u := &User{ID: fmt.Sprintf("u%05d.%s", cl.nextUser, cl.ID[3:]), Joined: day}
	dn := fmt.Sprintf("+31%09d", 200000000+rng.IntN(700000000))
	dev := func(typ string) {
		u.Devices = append(u.Devices, &Device{ID: fmt.Sprintf("%s%s%04d", devicePrefix(typ), strings.ToUpper(cl.ID[3:]), len(cl.Users)*16+len(u.Devices)), Type: typ, Location: "office"})
	}
	switch r := rng.IntN(100); {
	case r < 62:
		u.DirectoryNumber, u.EnterpriseDirectoryProfile, u.Voicemail = dn, true, true
		u.SNR = rng.IntN(5) == 0
		u.MobileUC = rng.IntN(3) == 0
		dev("desk_phone")
		if rng.IntN(4) == 0 {
			dev("softphone")
		}
	case r < 74:
		u.DirectoryNumber, u.EnterpriseDirectoryProfile = dn, true
		dev("desk_phone")
	case r < 82:
		u.EnterpriseDirectoryProfile = true
		if rng.IntN(2) == 0 {
			u.MobileUC = true
			dev("mobile_client")
		} else {
			u.TabletUC = true
			dev("tablet_client")
		}
	case r < 88:
		u.EnterpriseDirectoryProfile, u.ExtensionMobility = true, true
	case r < 92:
		u.DirectoryNumber, u.EnterpriseDirectoryProfile, u.Voicemail = dn, true, true
		n := 2 + rng.IntN(4)
		if rng.IntN(10) == 0 {
			n = 11 + rng.IntN(4) // a lab or reception user with more than ten devices
		}
		types := []string{"desk_phone", "softphone", "mobile_client", "video_device", "tablet_client"}
		for i := 0; i < n; i++ {
			dev(types[i%len(types)])
		}
	default:
		// Provisioned, nothing configured.
	}
	cl.Users = append(cl.Users, u)
	return u
}

func sharedDevice(rng *rand.Rand, cl *Cluster, n int) *Device {
	d := &Device{}
	switch r := rng.IntN(100); {
	case r < 45:
		d.Type, d.Location = "conference_phone", "conference_room"
	case r < 70:
		d.Type, d.Location = "analog_adapter", pick(rng, []string{"hallway", "common_area", "lobby"})
	case r < 85:
		d.Type, d.Location = "desk_phone", pick(rng, []string{"lobby", "common_area", "hallway"})
	default:
		d.Type, d.Location, d.TelePresence = "telepresence", "conference_room", true
	}
	d.ID = fmt.Sprintf("%s%s%04d", devicePrefix(d.Type), strings.ToUpper(cl.ID[3:]), 9000+n)
	return d
}

func devicePrefix(typ string) string {
	switch typ {
	case "analog_adapter":
		return "ATA"
	case "softphone":
		return "CSF"
	case "mobile_client":
		return "BOT"
	case "tablet_client":
		return "TAB"
	case "telepresence":
		return "TP"
	}
	return "SEP"
}

// Evolve moves the world one day on: customers gain or lose a few users
// according to their growth, and now and then a user toggles voicemail or
// SNR.
func (w *World) Evolve(rng *rand.Rand, day int) {
	for _, cl := range w.Clusters {
		active := cl.activeUsers(day)
		expected := cl.Customer.Growth * float64(active) / 30
		n := int(expected)
		if rng.Float64() < expected-float64(n) {
			n++
		}
		if expected < 0 && rng.Float64() < -expected-float64(-n) {
			n--
		}
		for ; n > 0; n-- {
			cl.addUser(rng, day)
		}
		for ; n < 0; n++ {
			if u := cl.randomActive(rng, day); u != nil {
				u.Left = day
			}
		}
		if u := cl.randomActive(rng, day); u != nil && rng.IntN(3) == 0 {
			u.SNR = !u.SNR
		}
	}
}

func (cl *Cluster) activeUsers(day int) int {
	n := 0
	for _, u := range cl.Users {
		if u.activeOn(day) {
			n++
		}
	}
	return n
}

func (cl *Cluster) randomActive(rng *rand.Rand, day int) *User {
	for tries := 0; tries < 8 && len(cl.Users) > 0; tries++ {
		if u := cl.Users[rng.IntN(len(cl.Users))]; u.activeOn(day) {
			return u
		}
	}
	return nil
}

func (u *User) activeOn(day int) bool { return u.Joined <= day && (u.Left == 0 || u.Left > day) }

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func slug(s string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			sb.WriteRune(r)
		case r == ' ' && sb.Len() > 0:
			sb.WriteByte('-')
		}
	}
	return strings.Trim(sb.String(), "-")
}
