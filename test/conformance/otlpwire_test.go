//go:build e2e

package conformance

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
)

// A minimal reader of the OTLP protobuf messages the collector gets, so that
// the tests need no protobuf module of their own. Field numbers are those of
// go.opentelemetry.io/proto/otlp v1.

type field struct {
	num   int
	bytes []byte // length-delimited
	value uint64 // varint, fixed32, fixed64
}

func decode(b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errors.New("bad key")
		}
		b = b[n:]
		f := field{num: int(key >> 3)}
		switch key & 7 {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, errors.New("bad varint")
			}
			f.value, b = v, b[n:]
		case 1:
			if len(b) < 8 {
				return nil, errors.New("short fixed64")
			}
			f.value, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return nil, errors.New("bad length")
			}
			f.bytes, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return nil, errors.New("short fixed32")
			}
			f.value, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return nil, errors.New("unsupported wire type")
		}
		out = append(out, f)
	}
	return out, nil
}

// sub returns the decoded messages of field num (malformed ones are skipped).
func sub(fs []field, num int) [][]field {
	var out [][]field
	for _, f := range fs {
		if f.num == num && f.bytes != nil {
			if m, err := decode(f.bytes); err == nil {
				out = append(out, m)
			}
		}
	}
	return out
}

func str(fs []field, num int) string {
	for _, f := range fs {
		if f.num == num {
			return string(f.bytes)
		}
	}
	return ""
}

// keyValues reads repeated KeyValue{1 key, 2 AnyValue{1 string, 2 bool, 3 int}} of field num.
func keyValues(fs []field, num int) map[string]string {
	m := map[string]string{}
	for _, kv := range sub(fs, num) {
		for _, v := range sub(kv, 2) {
			for _, f := range v {
				switch f.num {
				case 1:
					m[str(kv, 1)] = string(f.bytes)
				case 2:
					m[str(kv, 1)] = strconv.FormatBool(f.value != 0)
				case 3:
					m[str(kv, 1)] = strconv.FormatInt(int64(f.value), 10)
				}
			}
		}
	}
	return m
}

// readMetrics reads ExportMetricsServiceRequest: ResourceMetrics(1){Resource(1){attrs(1)},
// ScopeMetrics(2){Metric(2){name(1), unit(3), Gauge(5), Sum(7){NumberDataPoint(1){attrs(7), as_int(6)},
// is_monotonic(3)}, Histogram(9)}}}: every metric as an instrument, and the data points of the sums.
func readMetrics(b []byte) ([]point, []instrument, error) {
	req, err := decode(b)
	if err != nil {
		return nil, nil, err
	}
	var points []point
	var insts []instrument
	for _, rm := range sub(req, 1) {
		svc := resourceService(rm)
		for _, sm := range sub(rm, 2) {
			for _, m := range sub(sm, 2) {
				insts = append(insts, instrument{name: str(m, 1), unit: str(m, 3), kind: kindOf(m)})
				points = append(points, sumPoints(svc, m)...)
			}
		}
	}
	return points, insts, nil
}

func sumPoints(svc string, m []field) []point {
	var out []point
	for _, sum := range sub(m, 7) {
		for _, dp := range sub(sum, 1) {
			p := point{service: svc, metric: str(m, 1), attrs: keyValues(dp, 7)}
			for _, f := range dp {
				if f.num == 6 {
					p.value = int64(f.value)
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// traceSpans reads ExportTraceServiceRequest: ResourceSpans(1){Resource(1), ScopeSpans(2){Span(2){trace_id(1), name(5), attrs(9)}}}.
func traceSpans(b []byte) ([]span, error) {
	req, err := decode(b)
	if err != nil {
		return nil, err
	}
	var out []span
	for _, rs := range sub(req, 1) {
		svc := resourceService(rs)
		for _, ss := range sub(rs, 2) {
			for _, s := range sub(ss, 2) {
				var id []byte
				for _, f := range s {
					if f.num == 1 {
						id = f.bytes
					}
				}
				out = append(out, span{service: svc, name: str(s, 5), traceID: hex.EncodeToString(id), attrs: keyValues(s, 9)})
			}
		}
	}
	return out, nil
}

func resourceService(fs []field) string {
	for _, r := range sub(fs, 1) {
		return keyValues(r, 1)["service.name"]
	}
	return ""
}

// instrument is what an exported metric is, as far as its Prometheus name goes.
type instrument struct {
	name, unit string
	kind       string // "gauge", "counter" (a monotonic sum), "sum", "histogram"
}

func kindOf(m []field) string {
	switch {
	case len(sub(m, 5)) > 0:
		return "gauge"
	case len(sub(m, 9)) > 0:
		return "histogram"
	}
	for _, sum := range sub(m, 7) {
		for _, f := range sum {
			if f.num == 3 && f.value != 0 {
				return "counter"
			}
		}
	}
	return "sum"
}
