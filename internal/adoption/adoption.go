// Package adoption reads product usage out of the store as the account
// metrics health scores and pages use: it loads an account's rollup rows
// and seats and hands them to the usage core (usage.AccountUsage.Adoption,
// Activity), which does the arithmetic.
package adoption

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// FeaturesSetting is the usage setting holding the feature definitions
// (a usage.FeatureConfig as JSON).
const FeaturesSetting = "features"

// LoadCatalog reads and compiles the feature definitions from the store;
// none stored is an empty catalog.
func LoadCatalog(ctx context.Context, st store.Store) (*usage.Catalog, error) {
	var cfg usage.FeatureConfig
	v, err := st.UsageSetting(ctx, FeaturesSetting)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal([]byte(v), &cfg); err != nil {
			return nil, fmt.Errorf("feature definitions: %w", err)
		}
	}
	return cfg.Compile()
}

// Report is an account's adoption as of a day: the metrics (ratios are
// null when undefined: no seats, no features, nothing before), the
// features used, and DAU/WAU/MAU per day for charts.
type Report struct {
	AccountID       int64              `json:"account_id"`
	AsOf            string             `json:"as_of"`
	DAU             int                `json:"dau"`
	WAU             int                `json:"wau"`
	MAU             int                `json:"mau"`
	MAUPrev         int                `json:"mau_prev"`
	Seats           int                `json:"seats"`
	Stickiness      *float64           `json:"stickiness"`
	SeatUtilisation *float64           `json:"seat_utilisation"`
	FeaturesDefined int                `json:"features_defined"`
	FeaturesUsed    int                `json:"features_used"`
	Breadth         *float64           `json:"breadth"`
	HighValueUsed   int                `json:"high_value_used"`
	HighValueUsers  int                `json:"high_value_users"`
	Depth           *float64           `json:"depth"`
	Events          int64              `json:"events"`
	EventsPrev      int64              `json:"events_prev"`
	Trend           *float64           `json:"trend"`
	Features        []Feature          `json:"features"`
	Activity        []Day              `json:"activity"`
	Values          map[string]float64 `json:"values"` // the named numbers health scorecards read (usage.mau, usage.breadth…)
}

// Feature is one feature's use in the 30 days.
type Feature struct {
	Key       string `json:"key"`
	Name      string `json:"name"`
	HighValue bool   `json:"high_value"`
	Events    int64  `json:"events"`
	Users     int    `json:"users"`
}

// Day is the active users of one day.
type Day struct {
	Day string `json:"day"`
	DAU int    `json:"dau"`
	WAU int    `json:"wau"`
	MAU int    `json:"mau"`
}

func ratio(r usage.Ratio) *float64 {
	f, ok := r.Float()
	if !ok {
		return nil
	}
	return &f
}

// Measure computes account id's adoption as of asOf, with activity for the
// days days ending asOf (0: none).
func Measure(ctx context.Context, st store.Store, cat *usage.Catalog, id int64, asOf usage.Day, days int) (Report, error) {
	from := asOf - usage.Window*2 + 1
	if days > 0 {
		from = min(from, asOf-usage.Day(days)-usage.Window+1)
	}
	au, err := st.AccountUsage(ctx, id, from, asOf, cat)
	if err != nil {
		return Report{}, err
	}
	seats, err := st.AccountSeats(ctx, id)
	if err != nil {
		return Report{}, err
	}
	return report(id, au, cat, asOf, seats, days), nil
}

func report(id int64, au *usage.AccountUsage, cat *usage.Catalog, asOf usage.Day, seats, days int) Report {
	ad := au.Adoption(cat, asOf, seats)
	rep := Report{AccountID: id, AsOf: asOf.String(), DAU: ad.DAU, WAU: ad.WAU, MAU: ad.MAU, MAUPrev: ad.MAUPrev, Seats: seats,
		Stickiness: ratio(ad.Stickiness), SeatUtilisation: ratio(ad.SeatUtilisation),
		FeaturesDefined: ad.FeaturesDefined, FeaturesUsed: ad.FeaturesUsed, Breadth: ratio(ad.Breadth),
		HighValueUsed: ad.HighValueUsed, HighValueUsers: ad.HighValueUsers, Depth: ratio(ad.Depth),
		Events: ad.Events, EventsPrev: ad.EventsPrev, Trend: ratio(ad.Trend),
		Features: []Feature{}, Activity: []Day{}, Values: ad.Values()}
	for _, f := range ad.Features {
		rep.Features = append(rep.Features, Feature{Key: f.Key, Name: f.Name, HighValue: f.HighValue, Events: f.Events, Users: f.Users})
	}
	if days > 0 {
		for _, a := range au.Activity(asOf-usage.Day(days)+1, asOf) {
			rep.Activity = append(rep.Activity, Day{Day: a.Day.String(), DAU: a.DAU, WAU: a.WAU, MAU: a.MAU})
		}
	}
	return rep
}

// MeasureAll computes the adoption of every account with usage in the
// 60 days ending asOf (no activity series), in account id order, reading
// each rollup table once: for scoring every account. each must not use
// the store (the scans hold read connections until they end): collect,
// then write.
func MeasureAll(ctx context.Context, st store.Store, cat *usage.Catalog, asOf usage.Day, each func(Report) error) error {
	seats, err := st.Seats(ctx)
	if err != nil {
		return err
	}
	return st.EachAccountUsage(ctx, asOf-usage.Window*2+1, asOf, cat, func(id int64, au *usage.AccountUsage) error {
		return each(report(id, au, cat, asOf, seats[id], 0))
	})
}

// Some is what MeasureSome reads: the rollups and seats of some accounts.
type Some interface {
	EachAccountUsageOf(ctx context.Context, accountIDs []int64, from, to usage.Day, cat *usage.Catalog, each func(id int64, a *usage.AccountUsage) error) error
	SeatsOf(ctx context.Context, accountIDs []int64) (map[int64]int, error)
}

// MeasureSome is MeasureAll for the accounts of ids (those with usage in
// the 60 days ending asOf), reading each rollup table once for them all:
// for rescoring a batch of changed accounts.
func MeasureSome(ctx context.Context, st Some, cat *usage.Catalog, ids []int64, asOf usage.Day, each func(Report) error) error {
	seats, err := st.SeatsOf(ctx, ids)
	if err != nil {
		return err
	}
	return st.EachAccountUsageOf(ctx, ids, asOf-usage.Window*2+1, asOf, cat, func(id int64, au *usage.AccountUsage) error {
		return each(report(id, au, cat, asOf, seats[id], 0))
	})
}

// AccountKey is how the usage core names an account: its store id.
func AccountKey(id int64) string { return strconv.FormatInt(id, 10) }
