package main

import (
	"math"
	"slices"
)

// summary is one cell's figures over its rounds. A figure is NaN when no
// run of that server succeeded.
type summary struct {
	cell cell
	// Medians over the rounds, per server.
	rps, p50, p99, cpuPerM [numServers]float64
	// status is statusOK when some run succeeded, else the last run's status;
	// msg is that run's message.
	status, msg [numServers]string
	// Medians of ratios taken within each round, pair by pair.
	ratio        float64 // redis-fast ÷ Redis requests/s
	ofCeiling    float64 // redis-fast ÷ ceiling requests/s
	ceilingRatio float64 // ceiling ÷ Redis requests/s
	cpuRatio     float64 // redis-fast ÷ Redis CPU per request
	ceilingCPU   float64 // ceiling ÷ Redis CPU per request
	p99Ratio     float64 // redis-fast ÷ Redis p99 latency
	ceilingP99   float64 // ceiling ÷ Redis p99 latency
	// The twin's ratios to Redis: the same figures for two identical
	// servers, NaN when the twin did not run.
	twinRatio, twinCPU, twinP99 float64
	// procs are redis-fast's mean counts of Ps, one per round it ran.
	procs []float64
	// clientBusy is, per server, the median share of its runs' wall time
	// that redis-benchmark, one thread, spent on a core: near 1, the
	// client could not have asked any faster.
	clientBusy [numServers]float64
}

// metric reads one figure from a successful sample.
type metric func(sample) float64

func rpsOf(s sample) float64 { return s.rps }
func p50Of(s sample) float64 { return s.p50 }
func p99Of(s sample) float64 { return s.p99 }

// clientBusyOf is the client's CPU time over the run's wall time.
func clientBusyOf(s sample) float64 {
	if s.wall <= 0 {
		return math.NaN()
	}
	return s.client.Seconds() / s.wall.Seconds()
}

// othersShareOf is the share of a core the rest of the machine took during
// the run, NaN where it was not read.
func othersShareOf(s sample) float64 {
	if s.others < 0 || s.wall <= 0 {
		return math.NaN()
	}
	return s.others.Seconds() / s.wall.Seconds()
}

// cpuPerMillion returns a metric: seconds of server CPU per million requests.
func cpuPerMillion(requests int) metric {
	return func(s sample) float64 { return s.cpu.Seconds() / float64(requests) * 1e6 }
}

// summarize folds the samples into one summary per cell.
func summarize(cells []cell, samples []sample) []summary {
	byCell := make([][numServers][]sample, len(cells))
	for _, s := range samples {
		byCell[s.cell][s.server] = append(byCell[s.cell][s.server], s)
	}
	out := make([]summary, len(cells))
	for ci, c := range cells {
		runs := byCell[ci]
		sum := summary{cell: c}
		cpu := cpuPerMillion(c.requests)
		for s := range numServers {
			sum.status[s], sum.msg[s] = status(runs[s])
			sum.rps[s] = median(values(runs[s], rpsOf))
			sum.p50[s] = median(values(runs[s], p50Of))
			sum.p99[s] = median(values(runs[s], p99Of))
			sum.cpuPerM[s] = median(values(runs[s], cpu))
			sum.clientBusy[s] = median(values(runs[s], clientBusyOf))
		}
		sum.ratio = pairRatio(runs[serverFast], runs[serverRedis], rpsOf)
		sum.ofCeiling = pairRatio(runs[serverFast], runs[serverCeiling], rpsOf)
		sum.ceilingRatio = pairRatio(runs[serverCeiling], runs[serverRedis], rpsOf)
		sum.cpuRatio = pairRatio(runs[serverFast], runs[serverRedis], cpu)
		sum.ceilingCPU = pairRatio(runs[serverCeiling], runs[serverRedis], cpu)
		sum.p99Ratio = pairRatio(runs[serverFast], runs[serverRedis], p99Of)
		sum.ceilingP99 = pairRatio(runs[serverCeiling], runs[serverRedis], p99Of)
		sum.twinRatio = pairRatio(runs[serverTwin], runs[serverRedis], rpsOf)
		sum.twinCPU = pairRatio(runs[serverTwin], runs[serverRedis], cpu)
		sum.twinP99 = pairRatio(runs[serverTwin], runs[serverRedis], p99Of)
		for _, r := range runs[serverFast] {
			if r.status == statusOK && r.procs > 0 {
				sum.procs = append(sum.procs, r.procs)
			}
		}
		out[ci] = sum
	}
	return out
}

// status is statusOK when any run succeeded, else the last run's status.
func status(runs []sample) (string, string) {
	for _, r := range runs {
		if r.status == statusOK {
			return statusOK, ""
		}
	}
	if len(runs) == 0 {
		return statusFailed, "not run"
	}
	last := runs[len(runs)-1]
	return last.status, last.msg
}

// values are m of the successful runs.
func values(runs []sample, m metric) []float64 {
	var v []float64
	for _, r := range runs {
		if r.status == statusOK {
			v = append(v, m(r))
		}
	}
	return v
}

// pairRatio is the median over the rounds of m(a) ÷ m(b), using only rounds
// in which both runs succeeded.
func pairRatio(a, b []sample, m metric) float64 {
	var ratios []float64
	for _, x := range a {
		for _, y := range b {
			if x.round == y.round && x.status == statusOK && y.status == statusOK && m(y) > 0 {
				ratios = append(ratios, m(x)/m(y))
			}
		}
	}
	return median(ratios)
}

// median is the middle value (the mean of the middle two for an even
// count), or NaN for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
