package automation

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
)

// metricIDs finds a metric by name without a scan of the catalogue.
var metricIDs = func() map[string]health.MetricID {
	m := map[string]health.MetricID{}
	for _, x := range health.Catalogue() {
		m[x.Name] = x.ID
	}
	return m
}()

// detailValues reads the metric values a stored score kept (its detail,
// scoring.Detail as JSON). A full evaluation reads one per account, and
// encoding/json took 11 µs of CPU each — more than evaluating every rule
// — so the form scoring writes (`{"values":{"name":number,…},…}`, keys
// without escapes) is read directly, and anything else through
// encoding/json.
func detailValues(b []byte) (health.Values, bool) {
	if v, ok := fastValues(b); ok {
		return v, true
	}
	var d scoring.Detail
	if err := json.Unmarshal(b, &d); err != nil {
		return health.Values{}, false
	}
	return d.Values, true
}

func fastValues(b []byte) (health.Values, bool) {
	var v health.Values
	const prefix = `{"values":{`
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return v, false
	}
	i := len(prefix)
	if i < len(b) && b[i] == '}' {
		return v, true
	}
	for i < len(b) {
		if b[i] != '"' {
			return v, false
		}
		j := bytes.IndexByte(b[i+1:], '"')
		if j < 0 {
			return v, false
		}
		name := b[i+1 : i+1+j]
		if bytes.IndexByte(name, '\\') >= 0 {
			return v, false
		}
		i += j + 2
		if i >= len(b) || b[i] != ':' {
			return v, false
		}
		i++
		k := i
		for k < len(b) && b[k] != ',' && b[k] != '}' {
			k++
		}
		if k == len(b) {
			return v, false
		}
		x, err := strconv.ParseFloat(string(b[i:k]), 64)
		id, ok := metricIDs[string(name)]
		if err != nil || !ok {
			return v, false
		}
		v.Set(id, x)
		i = k + 1
		if b[k] == '}' {
			return v, true
		}
	}
	return v, false
}
