package msp

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rickar/cal/v2"
	holar "github.com/rickar/cal/v2/ar"
	holat "github.com/rickar/cal/v2/at"
	holau "github.com/rickar/cal/v2/au"
	holbe "github.com/rickar/cal/v2/be"
	holbg "github.com/rickar/cal/v2/bg"
	holbr "github.com/rickar/cal/v2/br"
	holca "github.com/rickar/cal/v2/ca"
	holch "github.com/rickar/cal/v2/ch"
	holcz "github.com/rickar/cal/v2/cz"
	holde "github.com/rickar/cal/v2/de"
	holdk "github.com/rickar/cal/v2/dk"
	holes "github.com/rickar/cal/v2/es"
	holfr "github.com/rickar/cal/v2/fr"
	holgb "github.com/rickar/cal/v2/gb"
	holgr "github.com/rickar/cal/v2/gr"
	holhr "github.com/rickar/cal/v2/hr"
	holie "github.com/rickar/cal/v2/ie"
	holit "github.com/rickar/cal/v2/it"
	holjp "github.com/rickar/cal/v2/jp"
	hollt "github.com/rickar/cal/v2/lt"
	hollv "github.com/rickar/cal/v2/lv"
	holmw "github.com/rickar/cal/v2/mw"
	holnl "github.com/rickar/cal/v2/nl"
	holno "github.com/rickar/cal/v2/no"
	holnz "github.com/rickar/cal/v2/nz"
	holpl "github.com/rickar/cal/v2/pl"
	holro "github.com/rickar/cal/v2/ro"
	holru "github.com/rickar/cal/v2/ru"
	holse "github.com/rickar/cal/v2/se"
	holsi "github.com/rickar/cal/v2/si"
	holsk "github.com/rickar/cal/v2/sk"
	holua "github.com/rickar/cal/v2/ua"
	holus "github.com/rickar/cal/v2/us"
)

// Region is a country, or a part of one with public holidays of its own,
// whose public holidays Tandem knows.
type Region struct {
	// Code is what Holidays.Region holds: an ISO 3166-1 country code
	// ("GB") or an ISO 3166-2 subdivision code ("DE-BY", "AU-NSW").
	Code string `json:"code"`
	// Name says in English what the code covers: "England and Wales",
	// "Germany: Bavaria".
	Name string `json:"name"`
}

// region is a Region and its rules. South Africa's are Tandem's own (see
// SouthAfricanHolidays); the others come from github.com/rickar/cal/v2.
type region struct {
	Region
	country string // the country's name, for the list of known regions
	rules   []*cal.Holiday
}

// sub is a subdivision of a country for the regions table.
type sub struct {
	code, name string
	rules      []*cal.Holiday
}

// countries are the regions by country, in the order of their codes. A
// country whose rules is nil has no national list in the library: its
// subdivisions must be chosen (Australia's states and territories).
var countries = []struct {
	code, name string
	rules      []*cal.Holiday
	subs       []sub
}{
	{"AR", "Argentina", holar.Holidays, nil},
	{"AT", "Austria", holat.Holidays, nil},
	{"AU", "Australia", nil, []sub{
		{"ACT", "Australian Capital Territory", holau.HolidaysACT},
		{"NSW", "New South Wales", holau.HolidaysNSW},
		{"NT", "Northern Territory", holau.HolidaysNT},
		{"QLD", "Queensland", holau.HolidaysQLD},
		{"SA", "South Australia", holau.HolidaysSA},
		{"TAS", "Tasmania", holau.HolidaysTAS},
		{"VIC", "Victoria", holau.HolidaysVIC},
		{"WA", "Western Australia", holau.HolidaysWA},
	}},
	{"BE", "Belgium", holbe.Holidays, nil},
	{"BG", "Bulgaria", holbg.Holidays, nil},
	{"BR", "Brazil", holbr.Holidays, nil},
	{"CA", "Canada (federal statutory holidays)", holca.Holidays, nil},
	{"CH", "Switzerland", holch.Holidays, []sub{
		{"AG", "Aargau", holch.HolidaysAG}, {"AI", "Appenzell Innerrhoden", holch.HolidaysAI},
		{"AR", "Appenzell Ausserrhoden", holch.HolidaysAR}, {"BE", "Bern", holch.HolidaysBE},
		{"BL", "Basel-Landschaft", holch.HolidaysBL}, {"BS", "Basel-Stadt", holch.HolidaysBS},
		{"FR", "Fribourg", holch.HolidaysFR}, {"GE", "Geneva", holch.HolidaysGE},
		{"GL", "Glarus", holch.HolidaysGL}, {"GR", "Graubünden", holch.HolidaysGR},
		{"JU", "Jura", holch.HolidaysJU}, {"LU", "Lucerne", holch.HolidaysLU},
		{"NE", "Neuchâtel", holch.HolidaysNE}, {"NW", "Nidwalden", holch.HolidaysNW},
		{"OW", "Obwalden", holch.HolidaysOW}, {"SG", "St. Gallen", holch.HolidaysSG},
		{"SH", "Schaffhausen", holch.HolidaysSH}, {"SO", "Solothurn", holch.HolidaysSO},
		{"SZ", "Schwyz", holch.HolidaysSZ}, {"TG", "Thurgau", holch.HolidaysTG},
		{"TI", "Ticino", holch.HolidaysTI}, {"UR", "Uri", holch.HolidaysUR},
		{"VD", "Vaud", holch.HolidaysVD}, {"VS", "Valais", holch.HolidaysVS},
		{"ZG", "Zug", holch.HolidaysZG}, {"ZH", "Zurich", holch.HolidaysZH},
	}},
	{"CZ", "Czech Republic", holcz.Holidays, nil},
	{"DE", "Germany", holde.Holidays, []sub{
		{"BB", "Brandenburg", holde.HolidaysBB}, {"BE", "Berlin", holde.HolidaysBE},
		{"BW", "Baden-Württemberg", holde.HolidaysBW}, {"BY", "Bavaria", holde.HolidaysBY},
		{"HB", "Bremen", holde.HolidaysHB}, {"HE", "Hesse", holde.HolidaysHE},
		{"HH", "Hamburg", holde.HolidaysHH}, {"MV", "Mecklenburg-Vorpommern", holde.HolidaysMV},
		{"NI", "Lower Saxony", holde.HolidaysNI}, {"NW", "North Rhine-Westphalia", holde.HolidaysNW},
		{"RP", "Rhineland-Palatinate", holde.HolidaysRP}, {"SH", "Schleswig-Holstein", holde.HolidaysSH},
		{"SL", "Saarland", holde.HolidaysSL}, {"SN", "Saxony", holde.HolidaysSN},
		{"ST", "Saxony-Anhalt", holde.HolidaysST}, {"TH", "Thuringia", holde.HolidaysTH},
	}},
	{"DK", "Denmark", holdk.Holidays, nil},
	{"ES", "Spain (national holidays)", holes.Holidays, nil},
	{"FR", "France", holfr.Holidays, nil},
	{"GB", "England and Wales", holgb.Holidays, nil},
	{"GR", "Greece", holgr.Holidays, nil},
	{"HR", "Croatia", holhr.Holidays, nil},
	{"IE", "Ireland", holie.Holidays, nil},
	{"IT", "Italy", holit.Holidays, nil},
	{"JP", "Japan", holjp.Holidays, nil},
	{"LT", "Lithuania", hollt.Holidays, nil},
	{"LV", "Latvia", hollv.Holidays, nil},
	{"MW", "Malawi", holmw.Holidays, nil},
	{"NL", "Netherlands", holnl.Holidays, nil},
	{"NO", "Norway", holno.Holidays, nil},
	{"NZ", "New Zealand (national holidays)", holnz.Holidays, nil},
	{"PL", "Poland", holpl.Holidays, nil},
	{"RO", "Romania", holro.Holidays, nil},
	{"RU", "Russia", holru.Holidays, nil},
	{"SE", "Sweden", holse.Holidays, nil},
	{"SI", "Slovenia", holsi.Holidays, nil},
	{"SK", "Slovakia", holsk.Holidays, nil},
	{"UA", "Ukraine", holua.Holidays, nil},
	{"US", "United States (federal holidays)", holus.Holidays, nil},
	{RegionSouthAfrica, "South Africa", nil, nil},
}

// regions are every known region by code; regionList is them in order.
var (
	regions    = map[string]*region{}
	regionList []Region
)

func init() {
	for _, c := range countries {
		if c.rules != nil || c.code == RegionSouthAfrica {
			r := &region{Region{c.code, c.name}, c.name, c.rules}
			regions[c.code] = r
			regionList = append(regionList, r.Region)
		}
		for _, s := range c.subs {
			country, _, _ := strings.Cut(c.name, " (")
			r := &region{Region{c.code + "-" + s.code, country + ": " + s.name}, country, s.rules}
			regions[r.Code] = r
			regionList = append(regionList, r.Region)
		}
	}
}

// Regions returns the regions whose public holidays Tandem knows, by code.
func Regions() []Region { return slices.Clone(regionList) }

// RegionName returns the name of the region code ("England and Wales" for
// "GB"), or "" if Tandem does not know it.
func RegionName(code string) string {
	if r := regions[code]; r != nil {
		return r.Name
	}
	return ""
}

// knownRegions says which regions are known, for an error message:
// "AR Argentina, AT Austria, AU-ACT, AU-NSW, … (Australia), …".
func knownRegions() string {
	var parts []string
	for _, c := range countries {
		var codes []string
		for _, s := range c.subs {
			codes = append(codes, c.code+"-"+s.code)
		}
		switch {
		case len(codes) == 0:
			parts = append(parts, c.code+" "+c.name)
		case c.rules == nil:
			parts = append(parts, fmt.Sprintf("%s (%s, by state or territory)", strings.Join(codes, ", "), c.name))
		default:
			parts = append(parts, fmt.Sprintf("%s %s (or a part of it: %s)", c.code, c.name, strings.Join(codes, ", ")))
		}
	}
	return strings.Join(parts, ", ")
}

// regionHint is a word on a region code Tandem does not know, when it can
// guess what was meant; "" otherwise.
func regionHint(code string) string {
	if regions[strings.ToUpper(code)] != nil {
		return fmt.Sprintf("; write it %s", strings.ToUpper(code))
	}
	if strings.EqualFold(code, "UK") {
		return "; the United Kingdom is GB (the holidays of England and Wales)"
	}
	country, _, _ := strings.Cut(strings.ToUpper(code), "-")
	for _, c := range countries {
		if c.code != country {
			continue
		}
		if c.rules == nil {
			return fmt.Sprintf("; the public holidays of %s differ by state and territory: choose one such as %s-%s", c.name, c.code, c.subs[0].code)
		}
		if len(c.subs) == 0 {
			return fmt.Sprintf("; %s has no regional rules in Tandem: use %s", c.code, c.code)
		}
		return fmt.Sprintf("; use %s for the whole country, or one of its parts in the list that follows", c.code)
	}
	return ""
}

// inYear returns the public holidays of r in year, in date order. A
// holiday whose day off moves (to the Monday after a weekend, or the
// Friday before) is listed on its own date and again, marked Observed, on
// the day that stands in for it; so is one of the year before or after
// whose substitute falls in year (New Year's Day on a Saturday is
// observed on 31 December in the United States).
func (r *region) inYear(year int) []Holiday {
	if r.Code == RegionSouthAfrica {
		return SouthAfricanHolidays(year)
	}
	var out []Holiday
	for y := year - 1; y <= year+1; y++ {
		for _, h := range r.rules {
			actual, observed := h.Calc(y)
			if actual.IsZero() {
				continue
			}
			a := DateOf(actual)
			if a.Year == year {
				out = append(out, Holiday{Date: a, Name: h.Name})
			}
			if o := DateOf(observed); o != a && o.Year == year {
				out = append(out, Holiday{Date: o, Name: h.Name + " (observed)", Observed: true})
			}
		}
	}
	// On a date that is both a holiday and another's substitute, the
	// holiday's own name wins: 26 December 2022 in England is Boxing Day,
	// though Christmas Day (on a Sunday) moved onto it as well.
	slices.SortStableFunc(out, func(a, b Holiday) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		return cmp.Compare(boolRank(a.Observed), boolRank(b.Observed))
	})
	return slices.CompactFunc(out, func(a, b Holiday) bool { return a.Date == b.Date })
}

// boolRank orders false before true.
func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// regionYear keys holidayDays.
type regionYear struct {
	code string
	year int
}

// holidayDays caches the days of each region and year that Calendar.IsHoliday
// asked about, since an SLA clock asks about each day it crosses. It holds
// at most maxCachedYears entries and starts again when full.
var holidayDays struct {
	sync.Mutex
	m map[regionYear]map[Date]bool
}

const maxCachedYears = 1024

// isHoliday reports whether d is a public holiday of r.
func (r *region) isHoliday(d Date) bool {
	if r.Code == RegionSouthAfrica {
		return isSouthAfricanHoliday(d)
	}
	k := regionYear{r.Code, d.Year}
	holidayDays.Lock()
	defer holidayDays.Unlock()
	days, ok := holidayDays.m[k]
	if !ok {
		days = map[Date]bool{}
		for _, h := range r.inYear(d.Year) {
			days[h.Date] = true
		}
		if holidayDays.m == nil || len(holidayDays.m) >= maxCachedYears {
			holidayDays.m = map[regionYear]map[Date]bool{}
		}
		holidayDays.m[k] = days
	}
	return days[d]
}
