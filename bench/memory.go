package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// memBatch is how many SETs the loader pipelines per round trip.
const memBatch = 1000

// memResult is one server's memory after loading the same keys. A figure
// is -1 when the server could not report it.
type memResult struct {
	server         string
	keys           int
	usedBase, used int64 // INFO memory used_memory, before and after
	rssBase, rss   int64 // VmRSS, before and after
	load           time.Duration
	err            string // why there are no figures
}

// perKey is the growth per key of a before/after pair, or NaN.
func perKey(before, after int64, keys int) float64 {
	if before < 0 || after < 0 || keys == 0 {
		return math.NaN()
	}
	return float64(after-before) / float64(keys)
}

// measureMemory starts a fresh server, loads keys keys of 10-byte values
// (key:0000000 ...) over one pipelined connection, and reads its memory
// before and after.
func measureMemory(ctx context.Context, l launcher, tmp, cpus string, keys int) memResult {
	m := memResult{server: l.name, keys: keys, usedBase: -1, used: -1, rssBase: -1, rss: -1}
	p, err := l.start(tmp, cpus)
	if err != nil {
		m.err = err.Error()
		return m
	}
	defer p.Stop()
	c, err := dial(p.port)
	if err != nil {
		m.err = err.Error()
		return m
	}
	defer c.close()
	m.usedBase, _ = usedMemory(c)
	m.rssBase, _ = p.rss()
	start := time.Now()
	if err := loadKeys(ctx, c, keys); err != nil {
		m.err = "loading: " + err.Error()
		return m
	}
	m.load = time.Since(start)
	m.used, _ = usedMemory(c)
	if m.rss, err = p.rss(); err != nil {
		m.err = err.Error()
	}
	return m
}

// loadKeys SETs key:%07d to a 10-byte value, memBatch commands per write.
func loadKeys(ctx context.Context, c *conn, keys int) error {
	for i := 0; i < keys; i += memBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(memBatch, keys-i)
		for k := i; k < i+n; k++ {
			c.send("SET", fmt.Sprintf("key:%07d", k), fmt.Sprintf("v%09d", k))
		}
		if err := c.pipeline(n); err != nil {
			return err
		}
	}
	return nil
}

// usedMemory reads used_memory from INFO memory; -1 when the server does not
// answer it.
func usedMemory(c *conn) (int64, error) {
	r, err := c.do("INFO", "memory")
	if err != nil {
		return -1, err
	}
	for _, line := range strings.Split(r.str, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return -1, err
			}
			return n, nil
		}
	}
	return -1, fmt.Errorf("bench: no used_memory in INFO memory")
}
